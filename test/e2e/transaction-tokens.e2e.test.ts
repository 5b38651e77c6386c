import type { Redis } from 'ioredis';
import {
  SignJWT,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { generateApiKey } from '../../src/operators/api-keys.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { scrape } from '../metrics/exposition.js';
import { postExchange } from '../support/post-exchange.js';
import type { TestBroker } from '../support/test-broker.js';
import {
  OPERATORS_CONFIG,
  OPERATOR_KEYS,
  call,
  introspect,
  startRedisBroker,
} from './redis-broker.js';

const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const TXN_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:txn_token';
const TICKETS = 'https://tickets.example';
/** A resource_server key limited to the payroll API: it must not see a tickets transaction. */
const PAYROLL_KEY = generateApiKey();
/** A moment far from today, so nothing here depends on the date the tests run. */
const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);

describe('transaction tokens (draft-ietf-oauth-transaction-tokens-10), end to end on Redis', () => {
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  let now = T0;
  const clock = { now: () => now };
  const agent = (name: string) => `spiffe://test.example/agent/triage/${name}`;

  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix, {
      deps: { clock },
      config: {
        txn_tokens: { ttl: '1m' },
        operators: {
          api_keys: [
            ...OPERATORS_CONFIG.api_keys,
            {
              name: 'payroll-api',
              sha256: PAYROLL_KEY.sha256,
              roles: ['resource_server'],
              audiences: ['https://payroll.example'],
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** An access token for the agent `name`, for its task `task` (SVIDs live for now + 5 min). */
  async function accessToken(name: string, fields: Record<string, unknown> = {}) {
    const svid = await t.td.svid({ path: `/agent/triage/${name}`, now: Math.floor(now / 1000) });
    const res = await postExchange(t.url, svid, {
      scope: 'tickets:read tickets:write',
      intent: { purpose: 'triage ticket T-7', targets: ['T-7'] },
      ...fields,
    });
    expect(res.body.error).toBeUndefined();
    return res.body as { access_token: string; task_id: string; grant_id: string };
  }

  /** Asks for a transaction token for `subject`, as a service holding it would. */
  function txnExchange(subject: string, fields: Record<string, string> = {}) {
    return call(t.url, 'POST', '/token-exchange', undefined, {
      grant_type: EXCHANGE_GRANT,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: TXN_TOKEN_TYPE,
      ...fields,
    });
  }

  async function txnToken(subject: string): Promise<string> {
    const res = await txnExchange(subject);
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }

  const verifyAtBroker = (token: string) =>
    jwtVerify(token, createLocalJWKSet(t.broker.keyRing.jwks()), {
      issuer: 'http://mandate.test',
      audience: TICKETS,
      typ: 'txntoken+jwt',
      currentDate: new Date(now),
    });

  it('issues a txntoken+jwt for a live access token, verified with the JWKS the broker serves', async () => {
    const issued = await accessToken('orchestrator', { task_id: 'TX-1' });
    const res = await txnExchange(issued.access_token);

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String) as string,
      issued_token_type: TXN_TOKEN_TYPE,
      token_type: 'N_A',
      expires_in: 60,
      scope: 'tickets:read tickets:write',
    });
    const token = res.body.access_token as string;
    const jwks = await (await fetch(`${t.url}/.well-known/jwks.json`)).json();
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]),
      {
        issuer: 'http://mandate.test',
        audience: TICKETS,
        typ: 'txntoken+jwt',
        currentDate: new Date(now),
      },
    );
    expect(protectedHeader).toMatchObject({
      typ: 'txntoken+jwt',
      kid: t.broker.keyRing.active.kid,
    });
    const access = decodeJwt(issued.access_token);
    expect(payload).toEqual({
      iss: 'http://mandate.test',
      sub: agent('orchestrator'),
      aud: TICKETS,
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 60,
      txn: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/) as string,
      purp: 'triage ticket T-7',
      tctx: {
        task: 'TX-1',
        client_id: agent('orchestrator'),
        scope: 'tickets:read tickets:write',
        tier: 'write',
        targets: ['T-7'],
        chain: [agent('orchestrator')],
        grant: {
          client_id: agent('orchestrator'),
          task: 'TX-1',
          jti: issued.grant_id,
          iat: access.iat,
        },
      },
      rctx: { req_ip: expect.stringMatching(/127\.0\.0\.1$/) as string },
    });
    // Each transaction has its own id.
    const again = decodeJwt(await txnToken(issued.access_token));
    expect(again.txn).not.toBe(payload.txn);
  });

  it('never outlives the access token it came from', async () => {
    const issued = await accessToken('short-lived', { requested_ttl: 30 });
    now += 10_000;
    const res = await txnExchange(issued.access_token);
    expect(res.body.expires_in).toBe(20);
    const { payload } = await verifyAtBroker(res.body.access_token as string);
    expect(payload.exp).toBe(decodeJwt(issued.access_token).exp);
  });

  it('narrows to a subset of the scopes and refuses a scope the token does not hold', async () => {
    const issued = await accessToken('narrowing');
    const narrow = await txnExchange(issued.access_token, { scope: 'tickets:read' });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('tickets:read');
    const { payload } = await verifyAtBroker(narrow.body.access_token as string);
    expect(payload.tctx).toMatchObject({ scope: 'tickets:read' });

    const wider = await txnExchange(issued.access_token, { scope: 'tickets:read tickets:delete' });
    expect(wider.status).toBe(400);
    expect(wider.body).toEqual({
      error: 'invalid_scope',
      error_description: expect.stringContaining('tickets:delete') as string,
      refused_scopes: ['tickets:delete'],
    });
    const elsewhere = await txnExchange(issued.access_token, {
      audience: 'https://payroll.example',
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toBe('invalid_target');
  });

  it('refuses a garbage, foreign, expired or revoked subject token with invalid_request naming why', async () => {
    const refusal = async (subject: string, fields: Record<string, string> = {}) => {
      const res = await txnExchange(subject, fields);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      const description = res.body.error_description as string;
      // The token is never echoed, nor its signature.
      expect(description).not.toContain(subject.split('.').at(-1));
      return description;
    };
    expect(await refusal('not-a-jwt')).toMatch(/not an access token issued by this broker/);

    const issued = await accessToken('refused');
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT(decodeJwt(issued.access_token))
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: t.broker.keyRing.active.kid })
      .sign(privateKey);
    expect(await refusal(foreign)).toMatch(/not an access token issued by this broker/);
    // An SVID is not an access token: only a Mandate access token is exchanged for one.
    const svid = await t.td.svid({ path: '/agent/triage/refused', now: Math.floor(now / 1000) });
    expect(await refusal(svid)).toMatch(/not an access token issued by this broker/);
    expect(
      await refusal(issued.access_token, {
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      }),
    ).toMatch(/subject_token_type must be urn:ietf:params:oauth:token-type:access_token/);
    expect(await refusal(issued.access_token, { task_id: 'TX-9' })).toMatch(
      /task_id is not taken with requested_token_type/,
    );

    expect(
      (await call(t.url, 'POST', '/revoke', undefined, { token: issued.access_token })).status,
    ).toBe(200);
    expect(await refusal(issued.access_token)).toMatch(/grant is revoked/);

    const expiring = await accessToken('expiring', { requested_ttl: 5 });
    now += 6_000;
    expect(await refusal(expiring.access_token)).toMatch(/expired access token/);
  });

  it('is active at introspection while its grant lives; revoking the task makes it inactive', async () => {
    const issued = await accessToken('revoked-task', { task_id: 'TX-revoke' });
    const txn = await txnToken(issued.access_token);
    const claims = decodeJwt(txn);
    expect(await introspect(t.url, txn)).toEqual({
      active: true,
      token_type: 'txn_token',
      iss: 'http://mandate.test',
      sub: agent('revoked-task'),
      aud: TICKETS,
      exp: claims.exp,
      iat: claims.iat,
      txn: claims.txn,
      purp: 'triage ticket T-7',
      tctx: claims.tctx,
    });
    // A key limited to another API's audience learns nothing of it.
    const asPayroll = await call(t.url, 'POST', '/introspect', PAYROLL_KEY.key, { token: txn });
    expect(asPayroll.body).toEqual({ active: false });

    const q = `agent=${encodeURIComponent(agent('revoked-task'))}`;
    const revoked = await call(
      t.url,
      'POST',
      `/v1/tasks/TX-revoke/revoke?${q}`,
      OPERATOR_KEYS.revoker.key,
    );
    expect(revoked.status).toBe(200);
    expect(await introspect(t.url, txn)).toEqual({ active: false });
    expect((await txnExchange(issued.access_token)).body).toEqual({
      error: 'invalid_request',
      error_description: "subject_token's task TX-revoke is revoked",
    });
  });

  it('dies with its task when the agent completes the task', async () => {
    const issued = await accessToken('completing', { task_id: 'TX-done' });
    const txn = await txnToken(issued.access_token);
    expect(await introspect(t.url, txn)).toMatchObject({ active: true });
    const done = await call(t.url, 'POST', '/v1/tasks/TX-done/complete', issued.access_token);
    expect(done.status).toBe(200);
    expect(await introspect(t.url, txn)).toEqual({ active: false });
    const again = await txnExchange(issued.access_token);
    expect(again.body.error_description).toBe("subject_token's task TX-done is completed");
  });

  it("carries a delegated token's chain and lineage, and dies when an ancestor's grant does", async () => {
    // The broker's delegation mints such tokens; here one is signed with the broker's own key
    // over two real grants: the parent's (orchestrator) and the child's (summarizer).
    const parent = await accessToken('parent', { task_id: 'TX-parent' });
    const child = await accessToken('summarizer', { task_id: 'TX-child' });
    const parentClaims = decodeJwt(parent.access_token);
    const lineage = [
      {
        client_id: agent('parent'),
        task: 'TX-parent',
        jti: parent.grant_id,
        iat: parentClaims.iat,
      },
    ];
    const key = t.broker.keyRing.active;
    const delegated = await new SignJWT({
      ...decodeJwt(child.access_token),
      sub: agent('parent'),
      act: { sub: agent('summarizer'), act: { sub: agent('reviewer') } },
      lineage,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);

    const txn = await txnToken(delegated);
    const { payload } = await verifyAtBroker(txn);
    expect(payload).toMatchObject({
      sub: agent('parent'),
      lineage,
      tctx: {
        client_id: agent('summarizer'),
        task: 'TX-child',
        chain: [agent('parent'), agent('reviewer'), agent('summarizer')],
        grant: { client_id: agent('summarizer'), jti: child.grant_id, task: 'TX-child' },
      },
    });
    expect(await introspect(t.url, txn)).toMatchObject({ active: true, sub: agent('parent') });

    const q = `agent=${encodeURIComponent(agent('parent'))}`;
    await call(t.url, 'POST', `/v1/tasks/TX-parent/revoke?${q}`, OPERATOR_KEYS.revoker.key);
    expect(await introspect(t.url, txn)).toEqual({ active: false });
    const refused = await txnExchange(delegated);
    expect(refused.body).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('lineage') as string,
    });
  });

  it('tells a transaction token from an access token by typ', async () => {
    const issued = await accessToken('typ');
    const txn = await txnToken(issued.access_token);
    expect(decodeProtectedHeader(txn).typ).toBe('txntoken+jwt');
    // A transaction token is not an access token: it buys no second transaction token.
    expect((await txnExchange(txn)).body.error).toBe('invalid_request');
    // Nor does it speak for the agent: it completes no task and revokes nothing.
    const complete = await call(t.url, 'POST', `/v1/tasks/${issued.task_id}/complete`, txn);
    expect(complete.status).toBe(401);
    expect((await call(t.url, 'POST', '/revoke', undefined, { token: txn })).status).toBe(200);
    expect(await introspect(t.url, issued.access_token)).toMatchObject({ active: true });
  });

  it('counts what it issued and refused in mandate_txn_tokens_total', async () => {
    const m = await scrape(t.url);
    expect(m.value('mandate_txn_tokens_total', { outcome: 'issued' })).toBeGreaterThanOrEqual(8);
    expect(m.value('mandate_txn_tokens_total', { outcome: 'invalid_request' })).toBeGreaterThan(5);
    expect(m.value('mandate_txn_tokens_total', { outcome: 'invalid_scope' })).toBe(1);
    expect(m.value('mandate_txn_tokens_total', { outcome: 'invalid_target' })).toBe(1);
  });
});
