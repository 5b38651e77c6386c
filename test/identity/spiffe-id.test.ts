import { parseSpiffeId } from '../../src/identity/spiffe-id.js';

describe('parseSpiffeId', () => {
  it('accepts a well-formed ID and splits trust domain and path', () => {
    expect(parseSpiffeId('spiffe://prod.example/ns/agents/sa/triage-bot_1.2')).toEqual({
      ok: true,
      id: {
        trustDomain: 'prod.example',
        path: ['ns', 'agents', 'sa', 'triage-bot_1.2'],
        uri: 'spiffe://prod.example/ns/agents/sa/triage-bot_1.2',
      },
    });
    expect(parseSpiffeId('spiffe://td')).toMatchObject({
      ok: true,
      id: { trustDomain: 'td', path: [] },
    });
  });

  it.each([
    ['http://prod.example/a', /scheme/],
    ['SPIFFE://prod.example/a', /scheme/],
    ['spiffe:///a', /trust domain is empty/],
    ['spiffe://Prod.example/a', /trust domain has characters/],
    ['spiffe://prod.example:443/a', /trust domain has characters/],
    ['spiffe://user@prod.example/a', /trust domain has characters/],
    ['spiffe://prod.example/a/', /empty segment or a trailing slash/],
    ['spiffe://prod.example//a', /empty segment/],
    ['spiffe://prod.example/a/../b', /"\." or "\.\."/],
    ['spiffe://prod.example/./a', /"\." or "\.\."/],
    ['spiffe://prod.example/a?b=c', /path has characters/],
    ['spiffe://prod.example/a#frag', /path has characters/],
    ['spiffe://prod.example/a%2Fb', /path has characters/],
    [`spiffe://${'a'.repeat(256)}/x`, /longer than 255/],
    [`spiffe://td/${'a'.repeat(2048)}`, /longer than 2048 bytes/],
  ])('refuses %s', (id, reason) => {
    const result = parseSpiffeId(id);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
