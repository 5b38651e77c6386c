import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Redis } from 'ioredis';
import { testClock, type TestClock } from '../grants/grant-store.contract.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { OPERATOR_KEYS, call, startRedisBroker } from '../e2e/redis-broker.js';
import type { TestBroker } from '../support/test-broker.js';

// A continuing task's state is read before policy only when policy reads context.task; either
// way an agent must see the same refusals, and no token may outlive its task.

const BASE = `
@id("reads") permit (principal, action in Action::"read", resource);
@id("deletes") permit (principal, action == Action::"tickets:delete", resource);
@id("delete-needs-approval") forbid (principal, action in Action::"destructive", resource)
unless { context.approved };
`;
const BUDGET = `
@id("task-budget") forbid (principal, action, resource) when { context.task.exchanges >= 50 };
`;
const AGENT = 'spiffe://test.example/agent/triage';
const TASK_AGE_S = 600;

describe.each([
  ['reads the task context', BASE + BUDGET],
  ['does not read the task context', BASE],
])('an exchange continuing a task, when policy %s', (_, policy) => {
  let t: TestBroker;
  let redis: Redis;
  let clock: TestClock;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    // half way through a second, so a task's last second begins before the task ends
    clock = testClock(Math.floor(Date.now() / 1000) * 1000 + 500);
    t = await startRedisBroker(prefix, {
      policies: { 'p.cedar': policy },
      deps: { clock },
      config: {
        limits: { max_task_age: TASK_AGE_S },
        loops: { max_grants: 2 },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const exchange = async (fields: Record<string, unknown> = {}) =>
    t.exchange({
      subject_token: await t.td.svid({
        path: '/agent/triage',
        now: Math.floor(clock.now() / 1000),
        expiresIn: 3600,
      }),
      ...fields,
    });
  const granted = async (task_id: string) => {
    const res = await exchange({ task_id });
    expect(res.status).toBe(200);
    return res.body;
  };
  const refusal = async (fields: Record<string, unknown>) => {
    const { status, body } = await exchange(fields);
    return { status, error: body.error, error_description: body.error_description };
  };
  const operator = (path: string, role: 'revoker' | 'admin' = 'revoker') =>
    call(t.url, 'POST', `${path}?agent=${encodeURIComponent(AGENT)}`, OPERATOR_KEYS[role].key);

  it('refuses a task an operator revoked', async () => {
    await granted('T-revoked');
    expect((await operator('/v1/tasks/T-revoked/revoke')).status).toBe(200);
    expect(await refusal({ task_id: 'T-revoked' })).toEqual({
      status: 403,
      error: 'access_denied',
      error_description: 'task T-revoked was revoked',
    });
  });

  it('refuses a task the agent completed', async () => {
    const { access_token } = await granted('T-done');
    const done = await call(t.url, 'POST', '/v1/tasks/T-done/complete', access_token as string);
    expect(done.status).toBe(200);
    expect(await refusal({ task_id: 'T-done' })).toEqual({
      status: 400,
      error: 'invalid_request',
      error_description: 'task T-done is completed; start a new task',
    });
  });

  it('refuses a halted task, naming the rule', async () => {
    await granted('T-halt');
    await granted('T-halt');
    expect((await refusal({ task_id: 'T-halt' })).error).toBe('task_halted');
    expect(await refusal({ task_id: 'T-halt' })).toEqual({
      status: 403,
      error: 'task_halted',
      error_description: 'task T-halt is halted by loop rule max_grants; an operator can resume it',
    });
  });

  it('asks no operator to approve work on a task that cannot go on', async () => {
    await granted('T-ask');
    expect((await operator('/v1/tasks/T-ask/revoke')).status).toBe(200);
    const asked = await refusal({ task_id: 'T-ask', scope: 'tickets:delete' });
    expect(asked).toMatchObject({ status: 403, error: 'access_denied' });
    const pending = await call(t.url, 'GET', '/v1/approvals', OPERATOR_KEYS.viewer.key);
    expect(pending.body).toEqual({ approvals: [] });
  });

  it('cuts a token of a continuing task at the task end, and refuses once its last second began', async () => {
    const first = await granted('T-end');
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const verify = (token: unknown) =>
      jwtVerify(token as string, jwks, {
        issuer: 'http://mandate.test',
        currentDate: new Date(clock.now()),
      });
    const taskEnds = (await verify(first.access_token)).payload.iat! + TASK_AGE_S;
    clock.advance((TASK_AGE_S - 5) * 1000);
    const late = await granted('T-end');
    expect(late.expires_in).toBe(5);
    expect((await verify(late.access_token)).payload).toMatchObject({ exp: taskEnds });
    clock.advance(4_500);
    expect(await refusal({ task_id: 'T-end' })).toEqual({
      status: 400,
      error: 'invalid_request',
      error_description: 'task T-end has reached its maximum age; start a new task',
    });
  });

  it('refuses a blocked agent', async () => {
    expect((await operator('/v1/agent/block', 'admin')).status).toBe(200);
    expect(await refusal({ task_id: 'T-blocked' })).toEqual({
      status: 403,
      error: 'access_denied',
      error_description: 'agent is blocked by an operator',
    });
    await operator('/v1/agent/unblock', 'admin');
  });
});
