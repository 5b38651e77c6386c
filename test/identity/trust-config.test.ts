import { parseConfig, ConfigError } from '../../src/config/load-config.js';
import { compileClaimConditions, globToRegExp } from '../../src/identity/claim-conditions.js';
import { hasDuplicateMember } from '../../src/identity/decode-compact-jws.js';
import { renderAgentId } from '../../src/identity/agent-id-template.js';

const base = {
  issuer: 'https://mandate.example',
  resources: {
    tickets: { audience: 'https://tickets.example', scopes: { 'tickets:read': 'read' } },
  },
  policy: { dir: 'policies' },
};
const parse = (extra: Record<string, unknown>) =>
  parseConfig({ ...base, ...extra }, '/etc/mandate/mandate.yaml');
const problems = (extra: Record<string, unknown>): string => {
  try {
    parse(extra);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
};

describe('trust configuration', () => {
  it('bounds clock_tolerance at 60 s', () => {
    expect(parse({ limits: { clock_tolerance: '60s' } }).limits.clock_tolerance).toBe(60);
    expect(problems({ limits: { clock_tolerance: '61s' } })).toMatch(
      /clock_tolerance is at most 60s/,
    );
  });

  it('wants exactly one bundle source per trust domain', () => {
    expect(problems({ trust: { spiffe: [{ trust_domain: 'a.example' }] } })).toMatch(
      /exactly one of/,
    );
    expect(
      problems({
        trust: {
          spiffe: [
            {
              trust_domain: 'a.example',
              bundle_file: 'a.json',
              bundle_endpoint: { url: 'https://a.example/b' },
            },
          ],
        },
      }),
    ).toMatch(/exactly one of/);
  });

  it('fetches key material over https only', () => {
    expect(problems({ trust: { oidc: [{ issuer: 'http://issuer.example' }] } })).toMatch(/https/);
    expect(
      problems({
        trust: {
          spiffe: [{ trust_domain: 'a.example', bundle_endpoint: { url: 'http://a.example/b' } }],
        },
      }),
    ).toMatch(/https/);
  });

  it('allows only asymmetric algorithms for an issuer', () => {
    expect(
      problems({ trust: { oidc: [{ issuer: 'https://i.example', algorithms: ['HS256'] }] } }),
    ).not.toBe('');
    expect(
      problems({ trust: { oidc: [{ issuer: 'https://i.example', algorithms: ['none'] }] } }),
    ).not.toBe('');
  });

  it('refuses an issuer or trust domain listed twice', () => {
    expect(
      problems({
        trust: { oidc: [{ issuer: 'https://i.example' }, { issuer: 'https://i.example' }] },
      }),
    ).toMatch(/twice/);
  });

  it('refuses unbounded claim conditions', () => {
    const long = 'x'.repeat(257);
    expect(
      problems({ trust: { oidc: [{ issuer: 'https://i.example', claims: { sub: long } }] } }),
    ).not.toBe('');
    expect(
      problems({
        trust: { oidc: [{ issuer: 'https://i.example', claims: { sub: { regex: '.*' } } }] },
      }),
    ).not.toBe('');
  });

  it('resolves a bundle file against the config folder and defaults OIDC settings', () => {
    const config = parse({
      trust: {
        spiffe: [{ trust_domain: 'a.example', bundle_file: 'b/a.json' }],
        oidc: [{ issuer: 'https://i.example' }],
      },
    });
    expect(config.trust.spiffe[0]!.bundle_file).toBe('/etc/mandate/b/a.json');
    expect(config.trust.oidc[0]).toMatchObject({
      algorithms: ['RS256', 'ES256'],
      audiences: ['mandate'],
      agent_id: '{iss}#{sub}',
    });
  });
});

describe('OIDC agent id templates', () => {
  const template = (agent_id: string) =>
    problems({ trust: { oidc: [{ issuer: 'https://i.example', agent_id }] } });

  it.each([
    '{sub}',
    'spiffe://test.example/{sub}',
    'SPIFFE:{sub}',
    '\uff53piffe://x/{sub}',
    ' oidc:{sub}',
    '{sub}:{iss}',
  ])('refuses %j, which could render a spiffe:// id, naming the path and why', (agentId) => {
    expect(template(agentId)).toMatch(
      /^trust\.oidc\.0\.agent_id: must start with \{iss\} or a literal URI scheme other than spiffe/,
    );
  });

  it.each([
    '{iss}#{sub}',
    'oidc:{sub}',
    'https://ci.example/{sub}',
    'k8s:{a}/{b}',
    'spiffe-ish:{sub}',
  ])('accepts %j', (agentId) => {
    expect(template(agentId)).toBe('');
  });
});

describe('claim conditions and agent ids', () => {
  it('anchors globs and treats every other character literally', () => {
    const re = globToRegExp('repo:octo-org/*:ref:refs/heads/main');
    expect(re.test('repo:octo-org/app:ref:refs/heads/main')).toBe(true);
    expect(re.test('repo:octo-org/app:ref:refs/heads/main-evil')).toBe(false);
    expect(re.test('xrepo:octo-org/app:ref:refs/heads/main')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('v?').test('v1')).toBe(true);
  });

  it('passes only string claims that match one alternative', () => {
    const [cond] = compileClaimConditions({ event_name: ['push', { glob: 'workflow_*' }] });
    expect(cond!.test('push')).toBe(true);
    expect(cond!.test('workflow_dispatch')).toBe(true);
    expect(cond!.test('pull_request')).toBe(false);
    expect(cond!.test(['push'])).toBe(false);
    expect(cond!.test(undefined)).toBe(false);
  });

  it('renders nested claims and refuses missing or unprintable ones', () => {
    const claims = {
      iss: 'https://k8s',
      'kubernetes.io': { namespace: 'agents', serviceaccount: { name: 'bot' } },
    };
    expect(
      renderAgentId('k8s:{kubernetes.io/namespace}/{kubernetes.io/serviceaccount/name}', claims),
    ).toBe('k8s:agents/bot');
    expect(() => renderAgentId('{missing}', claims)).toThrow(
      /claim missing needed for the agent id/,
    );
    expect(() => renderAgentId('{sub}', { sub: 'a\nb' })).toThrow(/not printable/);
  });

  it('finds duplicate member names at any depth, escaped or not', () => {
    expect(hasDuplicateMember('{"a":1,"b":{"c":[{"d":1,"d":2}]}}')).toBe(true);
    expect(hasDuplicateMember('{"a":1,"\\u0061":2}')).toBe(true);
    expect(hasDuplicateMember('{"a":"\\"a\\"","b":["a","a"],"c":{"a":1}}')).toBe(false);
  });
});
