import type { Redis } from 'ioredis';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import type { TestBroker } from '../support/test-broker.js';
import { connectRedis, deleteKeys, keysOf, uniquePrefix } from '../grants/redis-support.js';
import { OPERATOR_KEYS, call, introspect, startRedisBroker } from './redis-broker.js';

const AGENT = 'spiffe://test.example/agent/triage';
const Q = `agent=${encodeURIComponent(AGENT)}`;

describe('revocation and introspection, end to end on Redis', () => {
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  // The broker's clock: the wall clock moved on by `offsetMs`, or held at `frozenAt`.
  let offsetMs = 0;
  let frozenAt: number | undefined;
  const clock = { now: () => frozenAt ?? Date.now() + offsetMs };
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix, { deps: { clock } });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const exchange = async (fields: Record<string, unknown> = {}) => {
    const res = await t.exchange(fields);
    expect(res.status).toBe(200);
    return res.body as { access_token: string; task_id: string; grant_id: string };
  };

  it('introspects a fresh token as active with its claims, and every key has a TTL', async () => {
    const { access_token: token, task_id, grant_id } = await exchange({ task_id: 'T-intro' });
    const claims = decodeJwt(token);
    expect(await introspect(t.url, token)).toEqual({
      active: true,
      sub: AGENT,
      aud: 'https://tickets.example',
      scope: 'tickets:read',
      exp: claims.exp,
      iat: claims.iat,
      jti: grant_id,
      client_id: AGENT,
      task_id,
      tier: 'read',
      iss: 'http://mandate.test',
      token_type: 'Bearer',
      targets: ['T-1'],
      authorization_details: [
        {
          type: 'agent_task',
          locations: ['https://tickets.example'],
          actions: ['tickets:read'],
          purpose: 'triage ticket T-1',
          targets: ['T-1'],
          sensitivity: 'internal',
          tier: 'read',
          task_id,
        },
      ],
    });
    const keys = await keysOf(redis, prefix);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('answers inactive for garbage, a forged signature and a tampered token', async () => {
    const { access_token: token } = await exchange();
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(decodeJwt(token))
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: t.broker.keyRing.active.kid })
      .sign(privateKey);
    for (const bad of ['not-a-jwt', forged, `${token.slice(0, -4)}AAAA`]) {
      expect(await introspect(t.url, bad)).toEqual({ active: false });
    }
  });

  it('lets an agent revoke its own token (RFC 7009); unknown tokens get 200 too', async () => {
    const { access_token: token } = await exchange();
    expect((await call(t.url, 'POST', '/revoke', undefined, { token })).status).toBe(200);
    expect(await introspect(t.url, token)).toEqual({ active: false });
    expect((await call(t.url, 'POST', '/revoke', undefined, { token })).status).toBe(200);
    expect((await call(t.url, 'POST', '/revoke', undefined, { token: 'junk' })).status).toBe(200);
    const missing = await call(t.url, 'POST', '/revoke', undefined, { nothing: 'x' });
    expect(missing.status).toBe(400);
  });

  it('completes a task with a token of it: every grant dies, the task takes no more', async () => {
    const a = await exchange({ task_id: 'T-done' });
    const b = await exchange({ task_id: 'T-done', scope: 'tickets:write' });
    const done = await call(t.url, 'POST', '/v1/tasks/T-done/complete', a.access_token);
    expect(done).toMatchObject({
      status: 200,
      body: { task_id: 'T-done', status: 'completed', revoked: 2 },
    });
    expect(await introspect(t.url, a.access_token)).toEqual({ active: false });
    expect(await introspect(t.url, b.access_token)).toEqual({ active: false });
    const again = await t.exchange({ task_id: 'T-done' });
    expect(again.status).toBe(400);
    expect(again.body.error_description).toMatch(/completed/);
  });

  it('completes a task with the subject token; a token of another task cannot', async () => {
    const a = await exchange({ task_id: 'T-sub' });
    const other = await exchange({ task_id: 'T-other' });
    const wrong = await call(t.url, 'POST', '/v1/tasks/T-sub/complete', other.access_token);
    expect(wrong.status).toBe(404);
    const svid = await t.td.svid({ path: '/agent/triage' });
    const done = await call(t.url, 'POST', '/v1/tasks/T-sub/complete', svid);
    expect(done.body).toEqual({ task_id: 'T-sub', status: 'completed', revoked: 1 });
    expect(await introspect(t.url, a.access_token)).toEqual({ active: false });
    const stranger = await t.td.svid({ path: '/agent/stranger' });
    expect((await call(t.url, 'POST', '/v1/tasks/T-other/complete', stranger)).status).toBe(404);
    expect((await call(t.url, 'POST', '/v1/tasks/T-other/complete')).status).toBe(401);
  });

  it('lets operators list, revoke a grant, revoke a task, and sees it in the feed', async () => {
    const before = (await call(t.url, 'GET', '/v1/revocations', OPERATOR_KEYS.viewer.key)).body
      .cursor as string;
    const a = await exchange({ task_id: 'T-ops' });
    const b = await exchange({ task_id: 'T-ops' });
    const list = await call(t.url, 'GET', `/v1/grants?${Q}&task=T-ops`, OPERATOR_KEYS.viewer.key);
    expect((list.body.grants as { grant_id: string }[]).map((g) => g.grant_id).sort()).toEqual(
      [a.grant_id, b.grant_id].sort(),
    );
    const task = await call(t.url, 'GET', `/v1/tasks/T-ops?${Q}`, OPERATOR_KEYS.viewer.key);
    expect(task.body).toMatchObject({ task_id: 'T-ops', status: 'active', live_grants: 2 });

    const revokeA = await call(
      t.url,
      'POST',
      `/v1/grants/${a.grant_id}/revoke?${Q}`,
      OPERATOR_KEYS.revoker.key,
    );
    expect(revokeA.body).toEqual({ grant_id: a.grant_id, revoked: 1 });
    expect(await introspect(t.url, a.access_token)).toEqual({ active: false });
    expect(await introspect(t.url, b.access_token)).toMatchObject({ active: true });

    const revokeTask = await call(
      t.url,
      'POST',
      `/v1/tasks/T-ops/revoke?${Q}`,
      OPERATOR_KEYS.revoker.key,
    );
    expect(revokeTask.body).toEqual({ task_id: 'T-ops', status: 'revoked', revoked: 1 });
    expect(await introspect(t.url, b.access_token)).toEqual({ active: false });
    const refused = await t.exchange({ task_id: 'T-ops' });
    expect(refused).toMatchObject({ status: 403, body: { error: 'access_denied' } });

    const feed = await call(
      t.url,
      'GET',
      `/v1/revocations?since=${before}`,
      OPERATOR_KEYS.resource_server.key,
    );
    expect(feed.body.revocations).toEqual([
      expect.objectContaining({ kind: 'grant', agent: AGENT, jti: a.grant_id }),
      expect.objectContaining({
        kind: 'task',
        agent: AGENT,
        task: 'T-ops',
        reason: 'revoked by an operator',
      }),
    ]);
    expect(feed.body.cursor).toBe((feed.body.revocations as { id: string }[])[1]!.id);
    // who revoked is in the audit trail only: the feed names no operator key
    expect(feed.body.revocations).toEqual([
      expect.objectContaining({ reason: 'revoked by an operator' }),
      expect.objectContaining({ reason: 'revoked by an operator' }),
    ]);
    expect(JSON.stringify(feed.body)).not.toMatch(/revoker-key|-key/);
    const unknown = await call(
      t.url,
      'POST',
      `/v1/tasks/T-none/revoke?${Q}`,
      OPERATOR_KEYS.revoker.key,
    );
    expect(unknown.status).toBe(404);
  });

  it('blocks an agent (admin): its tokens die and exchanges are refused until unblocked', async () => {
    frozenAt = Date.now() + offsetMs;
    const before = (await call(t.url, 'GET', '/v1/revocations', OPERATOR_KEYS.viewer.key)).body
      .cursor as string;
    const a = await exchange();
    const asRevoker = await call(t.url, 'POST', `/v1/agent/block?${Q}`, OPERATOR_KEYS.revoker.key);
    expect(asRevoker.status).toBe(403);
    const blocked = await call(
      t.url,
      'POST',
      `/v1/agent/block?${Q}&for=10m`,
      OPERATOR_KEYS.admin.key,
    );
    expect(blocked.status).toBe(200);
    expect(blocked.body.revoked).toBeGreaterThanOrEqual(1);
    expect(await introspect(t.url, a.access_token)).toEqual({ active: false });
    expect(await t.exchange()).toMatchObject({ status: 403, body: { error: 'access_denied' } });
    const shown = await call(t.url, 'GET', `/v1/agent?${Q}`, OPERATOR_KEYS.viewer.key);
    expect(shown.body.blocked_until).toEqual(expect.any(Number));
    await call(t.url, 'POST', `/v1/agent/unblock?${Q}`, OPERATOR_KEYS.admin.key);
    // Verifiers compare a token's `iat` second with the revocation's: no token of the agent is
    // minted in the second its grants were revoked; the agent is told to retry in one.
    const sameSecond = await t.exchange();
    expect(sameSecond).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect(sameSecond.headers.get('retry-after')).toBe('1');
    frozenAt += 1000;
    const back = await exchange();
    expect(await introspect(t.url, back.access_token)).toMatchObject({ active: true });
    const all = await call(t.url, 'POST', `/v1/agent/revoke?${Q}`, OPERATOR_KEYS.admin.key);
    expect(all.body).toEqual({ agent: AGENT, revoked: 1 });
    expect(await introspect(t.url, back.access_token)).toEqual({ active: false });
    offsetMs = frozenAt + 1000 - Date.now();
    frozenAt = undefined;
    const feed = await call(
      t.url,
      'GET',
      `/v1/revocations?since=${before}`,
      OPERATOR_KEYS.resource_server.key,
    );
    expect(feed.body.revocations).toEqual([
      expect.objectContaining({ kind: 'agent', agent: AGENT, reason: 'blocked by an operator' }),
      expect.objectContaining({ kind: 'agent', agent: AGENT, reason: 'revoked by an operator' }),
    ]);
    expect(JSON.stringify(feed.body)).not.toMatch(/admin-key|-key/);
  });

  it('refuses the operator API without a key, with a wrong role, or with an agent token', async () => {
    const { access_token: token } = await exchange();
    const svid = await t.td.svid({ path: '/agent/triage' });
    for (const bearer of [undefined, token, svid, 'mdt_unknown']) {
      const res = await call(t.url, 'GET', '/v1/grants', bearer);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
    }
    const rs = await call(t.url, 'GET', '/v1/grants', OPERATOR_KEYS.resource_server.key);
    expect(rs).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    const viewerRevokes = await call(
      t.url,
      'POST',
      `/v1/tasks/x/revoke?${Q}`,
      OPERATOR_KEYS.viewer.key,
    );
    expect(viewerRevokes.status).toBe(403);
    const approverFeed = await call(t.url, 'GET', '/v1/revocations', OPERATOR_KEYS.approver.key);
    expect(approverFeed.status).toBe(200);
    const noKey = await call(t.url, 'POST', '/introspect', undefined, { token });
    expect(noKey.status).toBe(401);
    const viewer = await call(t.url, 'POST', '/introspect', OPERATOR_KEYS.viewer.key, { token });
    expect(viewer.status).toBe(403);
  });
});
