import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, type RevocationEntry, type Verifier } from '@mandate/verifier';
import { eventually, outcome } from '../support/eventually.js';
import {
  FAKE_AUDIENCE,
  startFakeRevocationFeed,
  feedVerifierOf,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';
import { A, B, grantOf, issueTxn, type WireGrant } from './delegation-fixtures.js';

describe('verifyTransactionToken(): txntoken+jwt checks', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  beforeAll(async () => {
    broker = await startFakeRevocationFeed();
    verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'none' },
    });
  });
  afterAll(async () => {
    await verifier.close();
    await broker.close();
  });

  it('accepts a transaction token and hands over txn, subject, purpose, tctx and rctx', async () => {
    const a = grantOf(A, 'T-a');
    const b = grantOf(B, 'T-b');
    const { token, txn, tctx } = await issueTxn(broker, { grant: b, chain: [A, B], lineage: [a] });
    const verified = await verifier.verifyTransactionToken(token, { scopes: ['tickets:read'] });
    expect(verified).toMatchObject({
      txn,
      subject: A,
      purpose: 'summarize ticket T-1',
      context: tctx,
      requestContext: { req_ip: '10.0.0.7' },
      scopes: ['tickets:read'],
      grant: { agentId: B, taskId: 'T-b', grantId: b.jti, issuedAt: b.iat },
      lineage: [{ agentId: A, taskId: 'T-a', grantId: a.jti, issuedAt: a.iat }],
    });
    expect(verified.context.chain).toEqual([A, B]);
  });

  it('refuses a transaction token lacking a scope the operation needs', async () => {
    const { token } = await issueTxn(broker, { grant: grantOf(A, 'T-a'), chain: [A] });
    const err = await verifier
      .verifyTransactionToken(token, { scopes: ['tickets:write'] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      requiredScopes: ['tickets:write'],
    });
  });

  it('refuses an access token offered as a transaction token, and the other way round', async () => {
    const access = await broker.issue({ sub: A });
    const err = await verifier.verifyTransactionToken(access.token).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_TOKEN_TYPE',
      message: 'the token is not of type txntoken+jwt',
    });
    const { token } = await issueTxn(broker, { grant: grantOf(A, 'T-a'), chain: [A] });
    expect(await verifier.verify(token).catch((e: unknown) => e)).toMatchObject({
      code: 'ERR_TOKEN_TYPE',
      message: 'the token is not of type at+jwt',
    });
  });

  const grant = grantOf(A, 'T-a');
  it.each([
    ['a token for another trust domain', { aud: 'https://payroll.example' }, 'ERR_TOKEN_AUDIENCE'],
    ['a token from another issuer', { iss: 'http://evil.test' }, 'ERR_TOKEN_ISSUER'],
    ['an expired token', { expiresIn: -60 }, 'ERR_TOKEN_EXPIRED'],
    ['a token of type JWT', { typ: 'JWT' }, 'ERR_TOKEN_TYPE'],
    ['a token without txn', { claims: { txn: undefined } }, 'ERR_TOKEN_MALFORMED'],
    ['a token without purp', { claims: { purp: undefined } }, 'ERR_TOKEN_MALFORMED'],
    ['a token without tctx', { claims: { tctx: undefined } }, 'ERR_TOKEN_MALFORMED'],
    [
      'a tctx without its grant',
      { claims: { tctx: { task: 'T-a', client_id: A, scope: 'x', chain: [A] } } },
      'ERR_TOKEN_MALFORMED',
    ],
    [
      'a tctx whose grant names another agent',
      { claims: { tctx: { task: 'T-a', client_id: B, scope: 'x', chain: [A, B], grant } } },
      'ERR_TOKEN_MALFORMED',
    ],
    [
      'a chain that does not start with the subject',
      { claims: { tctx: { task: 'T-a', client_id: A, scope: 'x', chain: [B, A], grant } } },
      'ERR_TOKEN_MALFORMED',
    ],
    ['an rctx that is not an object', { claims: { rctx: '10.0.0.7' } }, 'ERR_TOKEN_MALFORMED'],
    ['a malformed lineage', { lineage: [{ ...grant, jti: '' }] }, 'ERR_TOKEN_MALFORMED'],
  ])('refuses %s', async (_what, options, code) => {
    const { token } = await issueTxn(broker, { grant, chain: [A], ...options });
    expect(await outcome(verifier.verifyTransactionToken(token))).toBe(code);
  });
});

describe('verifyTransactionToken() in feed mode: bound to its grant and lineage', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  beforeEach(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: 50 });
    verifier = await feedVerifierOf(broker);
  });
  afterEach(async () => {
    await verifier.close();
    await broker.close();
  });

  const refused = (token: string) => async () =>
    (await outcome(verifier.verifyTransactionToken(token))) === 'ERR_TOKEN_REVOKED';

  type Entry = Omit<RevocationEntry, 'id' | 'at' | 'until' | 'reason' | 'agent'>;
  const cases: [string, (g: WireGrant) => Entry][] = [
    ['its bound grant', (g) => ({ kind: 'grant', jti: g.jti })],
    ['the task of its grant', (g) => ({ kind: 'task', task: g.task })],
    ['the agent holding its grant', () => ({ kind: 'agent' })],
  ];
  it.each(cases)('refuses a transaction token once %s is revoked', async (_what, entry) => {
    const bound = grantOf(B, 'T-b');
    const { token } = await issueTxn(broker, { grant: bound, chain: [A, B] });
    const other = await issueTxn(broker, { grant: grantOf(B, 'T-other'), chain: [A, B] });
    expect(await outcome(verifier.verifyTransactionToken(token))).toBe('ok');

    broker.revoke({ agent: B, ...entry(bound) });

    await eventually(refused(token), 'the transaction token is refused');
    // An agent-wide entry takes B's other grants too; the others leave them alone.
    if (entry(bound).kind !== 'agent')
      expect(await outcome(verifier.verifyTransactionToken(other.token))).toBe('ok');
  });

  it("refuses a transaction token once the task of an ancestor grant is revoked: A's task kills B's transactions", async () => {
    const a = grantOf(A, 'T-a');
    const { token } = await issueTxn(broker, {
      grant: grantOf(B, 'T-b'),
      chain: [A, B],
      lineage: [a],
    });
    expect(await outcome(verifier.verifyTransactionToken(token))).toBe('ok');
    broker.revoke({ kind: 'task', agent: A, task: 'T-a' });
    await eventually(refused(token), 'the transaction token of the chain is refused');
    const err = await verifier.verifyTransactionToken(token).catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: 'the task of a grant earlier in its delegation chain was revoked',
    });
  });

  it('refuses every transaction token while the feed is stale', async () => {
    const { token } = await issueTxn(broker, { grant: grantOf(A, 'T-a'), chain: [A] });
    broker.silence();
    await eventually(
      async () =>
        (await outcome(verifier.verifyTransactionToken(token))) === 'ERR_REVOCATION_STALE',
      'fail closed',
    );
    broker.unsilence();
  });
});

// The broker answers introspection of a transaction token for its bound grant and lineage; the
// double here stands in for it, with the broker's keys from the feed double.
describe('verifyTransactionToken() in introspect mode', () => {
  let broker: FakeRevocationFeed;
  let introspect: Server;
  const asked: URLSearchParams[] = [];
  const inactive = new Set<string>();
  /** A broker bug to survive: an active answer naming another transaction. */
  const answersAbout = new Map<string, string>();
  let verifier: Verifier;
  beforeAll(async () => {
    broker = await startFakeRevocationFeed();
    introspect = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += String(chunk)));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        asked.push(form);
        const [, payload] = (form.get('token') ?? '').split('.');
        const { txn } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as {
          txn: string;
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            inactive.has(txn)
              ? { active: false }
              : { active: true, token_type: 'txn_token', txn: answersAbout.get(txn) ?? txn },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => introspect.listen(0, '127.0.0.1', resolve));
    verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: `http://127.0.0.1:${(introspect.address() as AddressInfo).port}`,
      jwksUri: `${broker.url}/.well-known/jwks.json`,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'introspect', apiKey: broker.apiKey, cacheTtl: 0 },
    });
  });
  afterAll(async () => {
    await verifier.close();
    await new Promise((resolve) => introspect.close(resolve));
    await broker.close();
  });

  it('asks the broker about the transaction token itself and refuses it once inactive', async () => {
    const { token, txn } = await issueTxn(broker, { grant: grantOf(B, 'T-b'), chain: [A, B] });
    expect(await outcome(verifier.verifyTransactionToken(token))).toBe('ok');
    expect(asked.at(-1)?.get('token')).toBe(token);
    expect(asked.at(-1)?.has('token_type_hint')).toBe(false);
    inactive.add(txn);
    expect(await outcome(verifier.verifyTransactionToken(token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('never takes an active answer about another transaction for this one', async () => {
    const { token, txn } = await issueTxn(broker, { grant: grantOf(B, 'T-b'), chain: [A, B] });
    answersAbout.set(txn, 'txn_someone_else');
    expect(await outcome(verifier.verifyTransactionToken(token))).toBe('ERR_TOKEN_REVOKED');
  });
});
