import { createVerifier } from '@mandate/verifier';
import type { Redis } from 'ioredis';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postExchange } from '../support/post-exchange.js';
import { createTestTrustDomain } from '../support/trust-domain.js';
import type { TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, call, introspect, startRedisBroker } from './redis-broker.js';

const TD = 'spiffe://test.example';
const RESEARCH = `${TD}/agent/research/web`;
const SUMMARIZER = `${TD}/agent/summarizer`;
const DEEP = `${TD}/agent/summarizer/deep`;
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

// Agent to agent delegation (RFC 8693 actor tokens) on the real server and Redis, with the
// example policies: a research agent hands a read-only subtask to a summarizer, which hands a
// piece on; each hop is narrower, named in `act`, and dies with anything up its chain.
describe('delegation chains, end to end on Redis', () => {
  let t: TestBroker;
  let redis: Redis;
  const audit = new MemoryAuditLog();
  const prefix = uniquePrefix();
  // The broker's clock: the wall clock moved on by `offsetMs`.
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix, {
      config: { delegation: { max_depth: 2 } },
      deps: { audit, clock },
    });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const svid = (path: string) => t.td.svid({ path });
  /** The research agent's own token for tickets:read (the chain's root). */
  const root = async (fields: Record<string, unknown> = {}) => {
    const res = await postExchange(t.url, await svid('/agent/research/web'), {
      intent: { purpose: 'summarize open tickets', targets: [] },
      ...fields,
    });
    expect(res.status).toBe(200);
    return res.body as { access_token: string; task_id: string; expires_in: number };
  };
  /** `actorPath`'s exchange on the token `parent` it was handed. */
  const delegate = async (
    parent: string,
    actorPath: string,
    fields: Record<string, unknown> = {},
  ) =>
    postExchange(t.url, parent, {
      subject_token_type: ACCESS,
      actor_token: await svid(actorPath),
      actor_token_type: JWT,
      intent: { purpose: 'summarize a subset', targets: [] },
      ...fields,
    });
  const verified = async (token: string) =>
    (
      await jwtVerify(token, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), {
        issuer: 'http://mandate.test',
        audience: 'https://tickets.example',
        typ: 'at+jwt',
      })
    ).payload;

  it('issues A -> B -> C with sub kept, act nested and lineage, each hop checked by jose', async () => {
    const a = await root();
    const b = await delegate(a.access_token, '/agent/summarizer');
    expect(b.status).toBe(200);
    const bToken = b.body.access_token as string;
    const bClaims = await verified(bToken);
    expect(bClaims).toMatchObject({
      sub: RESEARCH,
      client_id: SUMMARIZER,
      act: { sub: SUMMARIZER },
      scope: 'tickets:read',
      lineage: [{ client_id: RESEARCH, task: a.task_id, jti: decodeJwt(a.access_token).jti }],
    });
    expect(bClaims.exp).toBeLessThanOrEqual(decodeJwt(a.access_token).exp!);

    const c = await delegate(bToken, '/agent/summarizer/deep');
    expect(c.status).toBe(200);
    const bTask = await call(
      t.url,
      'GET',
      `/v1/tasks/${b.body.task_id as string}?agent=${encodeURIComponent(SUMMARIZER)}`,
      OPERATOR_KEYS.viewer.key,
    );
    expect(bTask.body).toMatchObject({ parent: { agent: RESEARCH, task_id: a.task_id } });
    const cClaims = await verified(c.body.access_token as string);
    expect(cClaims).toMatchObject({
      sub: RESEARCH,
      client_id: DEEP,
      act: { sub: DEEP, act: { sub: SUMMARIZER } },
    });
    expect((cClaims.lineage as { client_id: string }[]).map((l) => l.client_id)).toEqual([
      RESEARCH,
      SUMMARIZER,
    ]);
    expect(await introspect(t.url, c.body.access_token as string)).toMatchObject({
      active: true,
      sub: RESEARCH,
      client_id: DEEP,
      act: { sub: DEEP, act: { sub: SUMMARIZER } },
    });
    const granted = audit.events.filter(
      (e) => e.event === 'token_exchange' && e.outcome === 'granted' && e.agent === DEEP,
    );
    expect(granted.at(-1)).toMatchObject({
      delegation: { chain: [RESEARCH, SUMMARIZER, DEEP], depth: 2 },
    });
  });

  it("revoking A's task makes B's and C's tokens inactive at once", async () => {
    const a = await root();
    const b = (await delegate(a.access_token, '/agent/summarizer')).body.access_token as string;
    const c = (await delegate(b, '/agent/summarizer/deep')).body.access_token as string;
    expect(await introspect(t.url, c)).toMatchObject({ active: true });
    // a transaction token from C's token, passed along inside C's API's trust domain
    const txn = await postExchange(t.url, c, {
      subject_token_type: ACCESS,
      requested_token_type: 'urn:ietf:params:oauth:token-type:txn_token',
      audience: undefined,
      scope: undefined,
      intent: undefined,
    });
    expect(txn.status).toBe(200);
    const txnToken = txn.body.access_token as string;
    expect(await introspect(t.url, txnToken)).toMatchObject({
      active: true,
      token_type: 'txn_token',
      tctx: { chain: [RESEARCH, SUMMARIZER, DEEP] },
    });
    const revoked = await call(
      t.url,
      'POST',
      `/v1/tasks/${a.task_id}/revoke?agent=${encodeURIComponent(RESEARCH)}`,
      OPERATOR_KEYS.revoker.key,
    );
    expect(revoked.status).toBe(200);
    expect(await introspect(t.url, b)).toEqual({ active: false });
    expect(await introspect(t.url, c)).toEqual({ active: false });
    expect(await introspect(t.url, txnToken)).toEqual({ active: false });
    const again = await delegate(b, '/agent/summarizer/deep');
    expect(again.body).toMatchObject({ error: 'invalid_request' });
    expect(again.body.error_description).toMatch(/no longer live/);
  });

  it('a feed-mode verifier refuses the chain below a revoked task, with no round trip', async () => {
    const verifier = createVerifier({
      issuer: 'http://mandate.test',
      brokerUrl: t.url,
      audience: 'https://tickets.example',
      revocation: { mode: 'feed', apiKey: OPERATOR_KEYS.resource_server.key },
    });
    try {
      await verifier.ready();
      const a = await root();
      const b = (await delegate(a.access_token, '/agent/summarizer')).body.access_token as string;
      const c = (await delegate(b, '/agent/summarizer/deep')).body.access_token as string;
      expect(await verifier.verify(c)).toMatchObject({
        agentId: DEEP,
        subject: RESEARCH,
        actors: [DEEP, SUMMARIZER],
      });
      await call(
        t.url,
        'POST',
        `/v1/tasks/${a.task_id}/revoke?agent=${encodeURIComponent(RESEARCH)}`,
        OPERATOR_KEYS.revoker.key,
      );
      // the feed reaches the verifier within its propagation bound: wait for it, not a time
      for (let i = 0; i < 100; i += 1) {
        const refused = await verifier.verify(c).then(
          () => undefined,
          (err: { code?: string }) => err.code,
        );
        if (refused) {
          expect(refused).toBe('ERR_TOKEN_REVOKED');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (i === 99) throw new Error('the verifier never refused the revoked chain');
      }
    } finally {
      await verifier.close();
    }
  });

  it('refuses a subject token past its exp', async () => {
    const a = await root({ requested_ttl: 60 });
    offsetMs += 61_000;
    try {
      const late = await postExchange(t.url, a.access_token, {
        subject_token_type: ACCESS,
        actor_token: await t.td.svid({
          path: '/agent/summarizer',
          now: Math.floor(clock.now() / 1000),
        }),
        actor_token_type: JWT,
        intent: { purpose: 'summarize a subset', targets: [] },
      });
      expect(late.body).toMatchObject({ error: 'invalid_request' });
      expect(late.body.error_description).toMatch(/^subject_token rejected/);
    } finally {
      offsetMs = 0;
    }
  });

  it('refuses anything wider than the parent: audience, scope, lifetime asked', async () => {
    const a = await root();
    const otherAudience = await delegate(a.access_token, '/agent/summarizer', {
      audience: 'payroll',
      scope: 'payroll:read',
    });
    expect(otherAudience.body).toMatchObject({ error: 'invalid_target' });
    expect(otherAudience.body.error_description).toMatch(/wider than the subject token's/);
    const moreScopes = await delegate(a.access_token, '/agent/summarizer', {
      scope: 'tickets:read tickets:write',
    });
    expect(moreScopes.body).toMatchObject({ error: 'invalid_scope' });
    expect(moreScopes.body.error_description).toMatch(
      /wider than the subject token's: tickets:write/,
    );
    const longer = await delegate(a.access_token, '/agent/summarizer', {
      requested_ttl: a.expires_in + 60,
    });
    expect(longer.body).toMatchObject({ error: 'invalid_request' });
    expect(longer.body.error_description).toMatch(
      /^requested_ttl \d+ is longer than the \d+s left/,
    );
  });

  it('refuses a chain past delegation.max_depth and an agent twice in a chain', async () => {
    const a = await root();
    const b = (await delegate(a.access_token, '/agent/summarizer')).body.access_token as string;
    const c = (await delegate(b, '/agent/summarizer/deep')).body.access_token as string;
    const d = await delegate(c, '/agent/summarizer/deeper');
    expect(d.body).toMatchObject({ error: 'invalid_request' });
    expect(d.body.error_description).toMatch(/would be 3 deep; at most 2/);
    // A -> B -> A: refused, and counted by the loop rules as a trip of its own rule, which
    // halts the task the research agent asked it for
    const cycle = await delegate(b, '/agent/research/web', { task_id: 'T-cycle' });
    expect(cycle.body).toMatchObject({ error: 'task_halted', rule: 'delegation_cycle' });
    const halted = await call(
      t.url,
      'GET',
      `/v1/tasks/T-cycle?agent=${encodeURIComponent(RESEARCH)}`,
      OPERATOR_KEYS.viewer.key,
    );
    expect(halted.body).toMatchObject({ status: 'halted', halt: { rule: 'delegation_cycle' } });
  });

  it('blocking an agent in the middle kills the chain below it', async () => {
    const a = await root();
    const b = (await delegate(a.access_token, '/agent/summarizer')).body.access_token as string;
    const c = (await delegate(b, '/agent/summarizer/deep')).body.access_token as string;
    const blocked = await call(
      t.url,
      'POST',
      `/v1/agent/block?agent=${encodeURIComponent(SUMMARIZER)}&for=1m`,
      OPERATOR_KEYS.admin.key,
    );
    expect(blocked.status).toBe(200);
    expect(await introspect(t.url, c)).toEqual({ active: false });
    expect(await introspect(t.url, a.access_token)).toMatchObject({ active: true });
    await call(
      t.url,
      'POST',
      `/v1/agent/unblock?agent=${encodeURIComponent(SUMMARIZER)}`,
      OPERATOR_KEYS.admin.key,
    );
  });

  it('enforces may_act: only the named delegates may act', async () => {
    const a = await root({
      intent: { purpose: 'summarize', targets: [], delegates: [`${TD}/agent/summarizer/deep`] },
    });
    expect(decodeJwt(a.access_token).may_act).toEqual({ sub: [DEEP] });
    const notNamed = await delegate(a.access_token, '/agent/summarizer');
    expect(notNamed.body).toMatchObject({ error: 'invalid_request' });
    expect(notNamed.body.error_description).toMatch(/not named in the subject token's may_act/);
    expect((await delegate(a.access_token, '/agent/summarizer/deep')).status).toBe(200);
  });

  it('lets policy decide every hop (the example policy: only summarizers, reads only)', async () => {
    const a = await root();
    const notSummarizer = await delegate(a.access_token, '/agent/triage');
    expect(notSummarizer.body).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a garbage, foreign or expired actor token, and a subject token not ours', async () => {
    const a = await root();
    const garbage = await delegate(a.access_token, '/agent/summarizer', { actor_token: 'x.y.z' });
    expect(garbage.body).toMatchObject({ error: 'invalid_request' });
    expect(garbage.body.error_description).toMatch(/^actor_token rejected/);
    const expired = await delegate(a.access_token, '/agent/summarizer', {
      actor_token: await t.td.svid({
        path: '/agent/summarizer',
        now: Math.floor(Date.now() / 1000) - 7200,
      }),
    });
    expect(expired.body.error_description).toMatch(/^actor_token rejected/);
    const foreign = await createTestTrustDomain(
      'other.example',
      mkdtempSync(join(tmpdir(), 'td-')),
    );
    const untrusted = await delegate(a.access_token, '/agent/summarizer', {
      actor_token: await foreign.svid({ path: '/agent/summarizer' }),
    });
    expect(untrusted.body.error_description).toMatch(/^actor_token rejected/);
    const svidAsSubject = await delegate(await svid('/agent/research/web'), '/agent/summarizer');
    expect(svidAsSubject.body).toMatchObject({ error: 'invalid_request' });
    expect(svidAsSubject.body.error_description).toMatch(/access token of this broker/);
  });
});
