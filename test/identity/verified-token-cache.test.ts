import { createMetrics } from '../../src/metrics/metrics.js';
import { SpiffeTrust } from '../../src/identity/spiffe-trust.js';
import { parseSpiffeBundle } from '../../src/identity/spiffe-bundle.js';
import { VerifiedTokenCache } from '../../src/identity/verified-token-cache.js';
import {
  SUBJECT_TOKEN_TYPES,
  createSubjectVerifier,
  type SubjectVerifier,
} from '../../src/identity/verify-subject-token.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { cacheCounts, scrapeRegistry } from '../metrics/exposition.js';

const NOW = 1_900_000_000; // epoch seconds, fixed: the clock is the test's
const JWT = SUBJECT_TOKEN_TYPES.jwt;

/** A verifier over one trust domain whose key lookups are counted: a lookup is a verification. */
async function setup(maxEntries = 100) {
  const td = await createTestTrustDomain('cache.example');
  let now = NOW * 1000;
  const metrics = createMetrics();
  const cache = new VerifiedTokenCache(maxEntries, metrics.caches.subject_token);
  const trust = new SpiffeTrust({ onKeysChanged: () => cache.clear() });
  const install = (signer: TestTrustDomain) => {
    trust.setBundle(
      parseSpiffeBundle('cache.example', {
        keys: [{ ...signer.publicJwk, kid: signer.kid, use: 'jwt-svid' }],
      }),
      ['mandate'],
    );
    const domain = trust.get('cache.example')! as { getKey: (...a: never[]) => unknown };
    const lookup = domain.getKey;
    domain.getKey = (...args: never[]) => {
      counts.lookups += 1;
      return lookup(...args);
    };
  };
  const counts = { lookups: 0 };
  install(td);
  const verify: SubjectVerifier = createSubjectVerifier({
    brokerIssuer: 'https://mandate.test',
    trust,
    oidcIssuers: new Map(),
    clock: { now: () => now },
    clockTolerance: 5,
    maxTokenBytes: 8192,
    maxLifetimeSeconds: 3600,
    cache,
  });
  const svid = (path = '/agent/a', expiresIn = 300) =>
    td.svid({ path, expiresIn, audience: 'mandate', now: NOW });
  /** The cache's lookups and evictions, as `/metrics` shows them. */
  const counted = async () => cacheCounts(await scrapeRegistry(metrics.registry), 'subject_token');
  return {
    td,
    cache,
    trust,
    install,
    verify,
    svid,
    counts,
    counted,
    at: (s: number) => (now = s * 1000),
  };
}

describe('verified subject tokens', () => {
  it('verifies a token once and serves its next uses from the cache', async () => {
    const s = await setup();
    const token = await s.svid();
    const first = await s.verify(token, JWT);
    const second = await s.verify(token, JWT);
    expect(second).toEqual(first);
    expect(s.counts.lookups).toBe(1);
    await s.verify(await s.svid('/agent/b'), JWT);
    expect(s.counts.lookups).toBe(2);
  });

  it('rechecks the time claims on every use: a cached token past its exp is refused', async () => {
    const s = await setup();
    const token = await s.svid('/agent/a', 60);
    await s.verify(token, JWT);
    s.at(NOW + 60 + 5 - 1); // within the tolerance still
    await expect(s.verify(token, JWT)).resolves.toMatchObject({
      agentId: 'spiffe://cache.example/agent/a',
    });
    s.at(NOW + 60 + 5);
    await expect(s.verify(token, JWT)).rejects.toThrow(/expired/);
    // the clock going back (a test clock, a corrected host) is checked the same way
    s.at(NOW - 3600);
    await expect(s.verify(token, JWT)).rejects.toThrow(/issued in the future|exp is more than/);
  });

  it('still refuses a cached JWT-SVID presented as another token type', async () => {
    const s = await setup();
    const token = await s.svid();
    await s.verify(token, JWT);
    await expect(s.verify(token, SUBJECT_TOKEN_TYPES.idToken)).rejects.toThrow(/JWT-SVID is a/);
  });

  it('forgets every token when the bundle keys change, so a removed key vouches no more', async () => {
    const s = await setup();
    const token = await s.svid();
    await s.verify(token, JWT);
    s.install(s.td); // the same keys again (a periodic refresh): nothing forgotten
    await s.verify(token, JWT);
    expect(s.counts.lookups).toBe(1);
    s.install(await createTestTrustDomain('cache.example'));
    await expect(s.verify(token, JWT)).rejects.toThrow(/no trusted key matches kid/);
  });

  it('keeps at most its bound, dropping the oldest first', async () => {
    const s = await setup(2);
    const [a, b, c] = await Promise.all(['/a', '/b', '/c'].map((p) => s.svid(p)));
    for (const token of [a!, b!, c!]) await s.verify(token, JWT);
    expect(s.cache.size).toBe(2);
    await s.verify(c!, JWT);
    await s.verify(b!, JWT);
    expect(s.counts.lookups).toBe(3);
    await s.verify(a!, JWT); // dropped: verified again
    expect(s.counts.lookups).toBe(4);
  });

  it('does not keep a token verified under keys that changed meanwhile', () => {
    const cache = new VerifiedTokenCache(10);
    const generation = cache.generation;
    cache.clear();
    const principal = {
      agentId: 'a',
      source: 'spiffe',
      claims: {},
      expiresAt: NOW + 60,
      tokenSha256: 'h',
    } as const;
    cache.set(principal, generation);
    expect(cache.get('h', NOW)).toBeUndefined();
    cache.set(principal, cache.generation);
    expect(cache.get('h', NOW)).toBe(principal);
  });

  it('counts each lookup a hit or a miss, and each token the bound pushes out an eviction', async () => {
    const s = await setup(2);
    const [a, b, c] = await Promise.all(['/a', '/b', '/c'].map((p) => s.svid(p)));
    for (const token of [a!, b!, c!]) await s.verify(token, JWT);
    expect(await s.counted()).toEqual({ hit: 0, miss: 3, evicted: 1 });
    await s.verify(c!, JWT);
    await s.verify(b!, JWT);
    expect(await s.counted()).toEqual({ hit: 2, miss: 3, evicted: 1 });
    await s.verify(a!, JWT); // pushed out before: verified again, and c goes
    expect(await s.counted()).toEqual({ hit: 2, miss: 4, evicted: 2 });
  });

  it('counts a token found expired as a miss, and forgetting tokens on a key change as no eviction', async () => {
    const s = await setup();
    const short = await s.svid('/agent/a', 60);
    await s.verify(short, JWT);
    s.at(NOW + 60 + 5 + 1); // past exp and the tolerance: the entry goes, the token is verified again
    await expect(s.verify(short, JWT)).rejects.toThrow(/expired/);
    expect(await s.counted()).toEqual({ hit: 0, miss: 2, evicted: 0 });
    s.at(NOW);
    const token = await s.svid('/agent/b');
    await s.verify(token, JWT);
    s.install(await createTestTrustDomain('cache.example'));
    expect(s.cache.size).toBe(0);
    await expect(s.verify(token, JWT)).rejects.toThrow(/no trusted key matches kid/);
    expect(await s.counted()).toEqual({ hit: 0, miss: 4, evicted: 0 });
  });
});
