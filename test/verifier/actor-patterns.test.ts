import { compileActorPatterns } from '../../packages/verifier/src/actor-patterns.js';

describe('allowedActors patterns', () => {
  const allowed = compileActorPatterns([
    'spiffe://td/agent/summarizer',
    'spiffe://td/agent/reviewers/*',
  ]);

  it('matches an exact id, and a trailing /* as one path segment or more', () => {
    expect(allowed('spiffe://td/agent/summarizer')).toBe(true);
    expect(allowed('spiffe://td/agent/reviewers/ana')).toBe(true);
    expect(allowed('spiffe://td/agent/reviewers/eu/ana')).toBe(true);
  });

  it('matches no prefix of an exact id, no bare or empty segment, nothing outside', () => {
    expect(allowed('spiffe://td/agent/summarizer/x')).toBe(false);
    expect(allowed('spiffe://td/agent/summ')).toBe(false);
    expect(allowed('spiffe://td/agent/reviewers')).toBe(false);
    expect(allowed('spiffe://td/agent/reviewers/')).toBe(false);
    expect(allowed('spiffe://td/agent/reviewers//ana')).toBe(false);
    expect(allowed('spiffe://td/agent/reviewersx/ana')).toBe(false);
    expect(allowed('spiffe://other/agent/reviewers/ana')).toBe(false);
  });

  it('allows nobody from an empty list', () => {
    expect(compileActorPatterns([])('spiffe://td/agent/summarizer')).toBe(false);
  });

  it.each(['spiffe://td/agent/rev*', 'spiffe://td/*/x', '*', '/*', ''])(
    'throws on "%s", which is neither an id nor a pattern ending in /*',
    (pattern) => {
      expect(() => compileActorPatterns([pattern])).toThrow(TypeError);
    },
  );
});
