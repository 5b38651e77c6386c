import { createVerifier, type Verifier } from '@mandate/verifier';
import { outcome } from '../support/eventually.js';
import {
  FAKE_AUDIENCE,
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';

describe('verify() in introspect mode (RFC 7662 per token)', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  beforeEach(async () => {
    broker = await startFakeRevocationFeed();
    verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'introspect', apiKey: broker.apiKey, cacheTtl: 0 },
    });
  });
  afterEach(async () => {
    await verifier.close();
    await broker.close();
  });

  it('accepts a token the broker says is active', async () => {
    const { token } = await broker.issue();
    expect(await outcome(verifier.verify(token))).toBe('ok');
  });

  it('refuses a token as soon as the broker answers active: false', async () => {
    const issued = await broker.issue();
    expect(await outcome(verifier.verify(issued.token))).toBe('ok');
    broker.revoke({ kind: 'task', agent: issued.sub, task: issued.task });
    expect(await outcome(verifier.verify(issued.token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('reuses an active answer for the cache time, so revocation shows after at most that', async () => {
    const cached = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'introspect', apiKey: broker.apiKey, cacheTtl: 60 },
    });
    const issued = await broker.issue();
    expect(await outcome(cached.verify(issued.token))).toBe('ok');
    broker.revoke({ kind: 'grant', agent: issued.sub, jti: issued.jti });
    expect(await outcome(cached.verify(issued.token))).toBe('ok');
    expect(await outcome(verifier.verify(issued.token))).toBe('ERR_TOKEN_REVOKED');
    await cached.close();
  });

  it('fails closed with ERR_BROKER_UNAVAILABLE when introspection is refused or unreachable', async () => {
    const wrongKey = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'introspect', apiKey: 'mdt_wrong' },
    });
    const { token } = await broker.issue();
    expect(await outcome(wrongKey.verify(token))).toBe('ERR_BROKER_UNAVAILABLE');
    await wrongKey.close();

    expect(await outcome(verifier.verify(token))).toBe('ok'); // keys now cached
    await broker.stop();
    const fresh = await broker.issue();
    expect(await outcome(verifier.verify(fresh.token))).toBe('ERR_BROKER_UNAVAILABLE');
  });
});
