import { SignJWT, generateKeyPair, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { createVerifier, type Verifier } from '@mandate/verifier';
import { outcome } from '../support/eventually.js';
import {
  FAKE_AUDIENCE,
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';

/** Decodes one part of a compact JWS. */
const part = <T>(text: string): T => JSON.parse(Buffer.from(text, 'base64url').toString()) as T;

describe('verify(): signature, type, issuer, audience, times and scopes', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  beforeAll(async () => {
    broker = await startFakeRevocationFeed();
    verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'none' },
      jwksRefetchCooldown: 0,
    });
  });
  afterAll(async () => {
    await verifier.close();
    await broker.close();
  });

  it('accepts a valid token and returns its claims', async () => {
    const issued = await broker.issue({
      scope: 'tickets:read tickets:write',
      task: 'T-42',
      claims: { targets: ['T-1'] },
    });
    const token = await verifier.verify(issued.token, { scopes: ['tickets:read'] });
    expect(token).toMatchObject({
      agentId: 'spiffe://test.example/agent/triage',
      taskId: 'T-42',
      grantId: issued.jti,
      scopes: ['tickets:read', 'tickets:write'],
      tier: 'read',
      targets: ['T-1'],
      clientId: 'spiffe://test.example/agent/triage',
    });
    expect(token.expiresAt - token.issuedAt).toBe(300);
  });

  it('exposes authorization_details (RFC 9396) as signed, extra fields kept, and leaves it out when absent', async () => {
    const detail = {
      type: 'agent_task',
      locations: [FAKE_AUDIENCE],
      actions: ['tickets:read'],
      purpose: 'triage the printer tickets',
      targets: ['T-1'],
      tier: 'read',
      task_id: 'T-42',
      ticket_queue: 'printers',
    };
    const other = {
      type: 'payment_initiation',
      instructedAmount: { currency: 'EUR', amount: '1' },
    };
    const carried = await broker.issue({ claims: { authorization_details: [detail, other] } });
    expect((await verifier.verify(carried.token)).authorizationDetails).toEqual([detail, other]);
    const plain = await verifier.verify((await broker.issue()).token);
    expect('authorizationDetails' in plain).toBe(false);
  });

  it.each([
    ['not a list', { type: 'agent_task' }],
    ['an entry that is not an object', ['agent_task']],
    ['an entry without a type', [{ actions: ['tickets:read'] }]],
    ['actions that are not strings', [{ type: 'agent_task', actions: [1] }]],
    ['targets that are not a list', [{ type: 'agent_task', targets: 'T-1' }]],
    ['a purpose that is not a string', [{ type: 'agent_task', purpose: {} }]],
  ])('refuses authorization_details that is %s as malformed', async (_what, claim) => {
    const { token } = await broker.issue({ claims: { authorization_details: claim } });
    expect(await outcome(verifier.verify(token))).toBe('ERR_TOKEN_MALFORMED');
  });

  it.each([
    ['a token of another type', { header: { typ: 'JWT' } }, 'ERR_TOKEN_TYPE'],
    ['a token from another issuer', { iss: 'http://evil.test' }, 'ERR_TOKEN_ISSUER'],
    ['a token for another API', { aud: 'https://payroll.example' }, 'ERR_TOKEN_AUDIENCE'],
    ['an expired token', { expiresIn: -10 }, 'ERR_TOKEN_EXPIRED'],
    [
      'a token issued in the future',
      { iat: Math.floor(Date.now() / 1000) + 60 },
      'ERR_TOKEN_NOT_YET_VALID',
    ],
    ['a token without a task', { claims: { task: 'T-1' } }, 'ERR_TOKEN_MALFORMED'],
    ['a token without scope', { claims: { scope: 1 } }, 'ERR_TOKEN_MALFORMED'],
  ])('refuses %s', async (_what, options, code) => {
    const { token } = await broker.issue(options);
    expect(await outcome(verifier.verify(token))).toBe(code);
  });

  it('tolerates a few seconds of clock skew on exp', async () => {
    const { token } = await broker.issue({ expiresIn: -2 });
    expect(await outcome(verifier.verify(token))).toBe('ok');
  });

  it('refuses a token lacking a required scope, naming every scope needed', async () => {
    const { token } = await broker.issue({ scope: 'tickets:read' });
    const err = await verifier
      .verify(token, { scopes: ['tickets:read', 'tickets:write'] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      status: 403,
      oauthError: 'insufficient_scope',
      requiredScopes: ['tickets:read', 'tickets:write'],
    });
  });

  it('refuses a token signed by a key the broker does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const { token } = await broker.issue();
    const [header, payload] = token.split('.');
    const forged = await new SignJWT(part<JWTPayload>(payload!))
      .setProtectedHeader(part<JWTHeaderParameters>(header!))
      .sign(privateKey);
    expect(await outcome(verifier.verify(forged))).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('refuses an algorithm outside the allow-list, such as HS256 or none', async () => {
    const { token } = await broker.issue();
    const payload = token.split('.')[1]!;
    const hs = await new SignJWT(part<JWTPayload>(payload))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes'));
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
    expect(await outcome(verifier.verify(hs))).toBe('ERR_TOKEN_ALGORITHM');
    expect(await outcome(verifier.verify(none))).toBe('ERR_TOKEN_ALGORITHM');
  });

  it('refuses garbage and oversized tokens before any crypto', async () => {
    expect(await outcome(verifier.verify('not.a.jwt'))).toBe('ERR_TOKEN_MALFORMED');
    expect(await outcome(verifier.verify('x'.repeat(10_000)))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('fetches the key set again when a token names a kid it has not seen (key rotation)', async () => {
    expect(await outcome(verifier.verify((await broker.issue()).token))).toBe('ok');
    await broker.rotateKey();
    expect(await outcome(verifier.verify((await broker.issue()).token))).toBe('ok');
  });

  it('answers ERR_BROKER_UNAVAILABLE when the key set cannot be fetched', async () => {
    const cold = createVerifier({
      issuer: broker.issuer,
      brokerUrl: 'http://127.0.0.1:9',
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'none' },
    });
    expect(await outcome(cold.verify((await broker.issue()).token))).toBe('ERR_BROKER_UNAVAILABLE');
    await cold.close();
  });

  it('refuses every call after close()', async () => {
    const closing = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'none' },
    });
    await closing.close();
    expect(await outcome(closing.verify((await broker.issue()).token))).toBe('ERR_VERIFIER_CLOSED');
  });
});
