import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { TransactionTokenExchange } from '../../src/exchange/transaction-token-exchange.js';
import type { GrantRecord } from '../../src/grants/grant-store.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { TokenIntrospection } from '../../src/introspection/introspect-token.js';
import { OwnTokenVerifier } from '../../src/revocation/verify-own-token.js';
import { KeyRing } from '../../src/tokens/key-ring.js';
import { mintAccessToken } from '../../src/tokens/mint-token.js';
import {
  AGENT,
  fixedClock,
  haltTask,
  memoryGrantStore,
  recordGrant,
} from '../support/memory-grants.js';

const ISSUER = 'http://mandate.test';
const PERSON = 'https://idp.example/users/ada';

describe('TransactionTokenExchange, on the memory store', () => {
  const clock = fixedClock();
  let keyRing: KeyRing;
  let store: ReturnType<typeof memoryGrantStore>;
  let audit: MemoryAuditLog;
  let txn: TransactionTokenExchange;
  let introspection: TokenIntrospection;
  let n = 0;
  beforeAll(async () => {
    keyRing = await KeyRing.ephemeral('ES256');
  });
  beforeEach(() => {
    store = memoryGrantStore(clock);
    audit = new MemoryAuditLog();
    const verifier = new OwnTokenVerifier({ issuer: ISSUER, keyRing, clock });
    txn = new TransactionTokenExchange({
      issuer: ISSUER,
      verifier,
      store,
      keyRing,
      clock,
      ids: { grantId: () => `txn-${n++}`, taskId: () => 'unused' },
      audit,
      metrics: createMetrics(),
      ttlSeconds: 120,
    });
    introspection = new TokenIntrospection({ verifier, store });
  });
  const mint = (grant: GrantRecord) => mintAccessToken(grant, { issuer: ISSUER, keyRing });

  it('binds the token to the grant: introspection follows the grant, the audit names ids only', async () => {
    const grant = await recordGrant(store, clock, { targets: ['T-1'] });
    const access = mint(grant);
    const answer = await txn.exchange({ subjectToken: access, clientAddress: '10.0.0.7' });

    expect(answer).toMatchObject({ token_type: 'N_A', expires_in: 120, scope: 'tickets:read' });
    expect(decodeProtectedHeader(answer.access_token).typ).toBe('txntoken+jwt');
    expect(decodeJwt(answer.access_token)).toMatchObject({
      purp: 'triage T-1',
      rctx: { req_ip: '10.0.0.7' },
      tctx: { chain: [AGENT], targets: ['T-1'], grant: { jti: grant.jti, task: 'T-1' } },
    });
    expect(await introspection.introspect(answer.access_token)).toMatchObject({
      active: true,
      token_type: 'txn_token',
      purp: 'triage T-1',
    });
    expect(audit.of('txn_token_issued')).toMatchObject([{ agent: AGENT, jti: grant.jti }]);
    expect(JSON.stringify(audit.events)).not.toContain(access.split('.')[2]);

    await store.revokeGrant(AGENT, grant.jti, 'test');
    expect(await introspection.introspect(answer.access_token)).toEqual({ active: false });
  });

  it('refuses the token of a halted task, naming its state', async () => {
    const grant = await recordGrant(store, clock, { taskId: 'T-halt' });
    const access = mint(grant);
    await haltTask(store, clock, 'T-halt');
    await expect(txn.exchange({ subjectToken: access })).rejects.toMatchObject({
      code: 'invalid_request',
      message: "subject_token's task T-halt is halted",
    });
  });

  it('reads a delegated chain generically and checks every ancestor of the lineage', async () => {
    const parent = await recordGrant(store, clock, { taskId: 'T-parent' });
    const child = await recordGrant(store, clock, { taskId: 'T-child' });
    const key = keyRing.active;
    const delegated = await new SignJWT({
      ...decodeJwt(mint(child)),
      sub: PERSON,
      act: { sub: AGENT },
      lineage: [{ client_id: AGENT, task: 'T-parent', jti: parent.jti, iat: parent.issuedAt }],
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
    const answer = await txn.exchange({ subjectToken: delegated });
    expect(decodeJwt(answer.access_token)).toMatchObject({
      sub: PERSON,
      tctx: { chain: [PERSON, AGENT], client_id: AGENT },
      lineage: [{ jti: parent.jti }],
    });

    await store.revokeGrant(AGENT, parent.jti, 'test');
    expect(await introspection.introspect(answer.access_token)).toEqual({ active: false });
    await expect(txn.exchange({ subjectToken: delegated })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('lineage') as string,
    });
  });

  it('refuses a malformed act claim rather than read part of it', async () => {
    const grant = await recordGrant(store, clock);
    const key = keyRing.active;
    const bad = await new SignJWT({ ...decodeJwt(mint(grant)), act: { client_id: 'x' } })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
    await expect(txn.exchange({ subjectToken: bad })).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'subject_token is not an access token issued by this broker',
    });
  });
});
