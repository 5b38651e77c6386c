import { decodeJwt } from 'jose';
import type { Redis } from 'ioredis';
import { testClock, type TestClock } from '../grants/grant-store.contract.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { postExchange } from '../support/post-exchange.js';
import { TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, call, introspect, startRedisBroker } from './redis-broker.js';

const MINUTE = 60_000;
/** A resource whose destructive scope the example policies allow only once approved. */
const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:destroy-env': 'destructive' },
};

describe('a looping agent against the real Redis', () => {
  let t: TestBroker;
  let redis: Redis;
  let clock: TestClock;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    clock = testClock();
    t = await startRedisBroker(prefix, {
      deps: { clock },
      config: {
        resources: { ...TEST_RESOURCES, deploy: DEPLOY },
        loops: {
          window: '1m',
          max_exchanges: 6,
          max_identical: 3,
          max_grants: 8,
          max_live_grants: 50,
          max_task_age: '30m',
          agent_window: '1h',
          max_halted_tasks: 3,
          block_for: '15m',
          rate_limit: { max: 20, window: '10s' },
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** One exchange by the agent `/agent/<name>` at the broker's (test) time. */
  const exchange = async (name: string, fields: Record<string, unknown> = {}) =>
    postExchange(
      t.url,
      await t.td.svid({ path: `/agent/${name}`, now: Math.floor(clock.now() / 1000) }),
      { intent: { purpose: 'triage', targets: ['T-1'] }, ...fields },
    );
  const agentQuery = (name: string) =>
    `agent=${encodeURIComponent(`spiffe://test.example/agent/${name}`)}`;
  const resume = (name: string, task: string) =>
    call(t.url, 'POST', `/v1/tasks/${task}/resume?${agentQuery(name)}`, OPERATOR_KEYS.revoker.key);

  /** Exchanges that must succeed; returns their tokens. */
  const granted = async (
    name: string,
    n: number,
    fields: (i: number) => Record<string, unknown>,
  ) => {
    const tokens: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const res = await exchange(name, fields(i));
      expect(res.status).toBe(200);
      tokens.push(res.body.access_token as string);
    }
    return tokens;
  };

  /** Checks the trip: earlier tokens dead, the next exchange refused naming the rule. */
  const expectHalted = async (
    name: string,
    task: string,
    rule: string,
    tokens: string[],
    trip: { status: number; body: Record<string, unknown> },
  ) => {
    expect(trip.status).toBe(403);
    expect(trip.body).toMatchObject({ error: 'task_halted', rule });
    for (const token of tokens) expect(await introspect(t.url, token)).toEqual({ active: false });
    const next = await exchange(name, { task_id: task, intent: { purpose: 'other' } });
    expect(next).toMatchObject({ status: 403, body: { error: 'task_halted', rule } });
  };

  it('halts a task repeating one intent; the operator sees why and resumes it', async () => {
    const tokens = await granted('repeat', 3, () => ({ task_id: 'L-repeat' }));
    const trip = await exchange('repeat', { task_id: 'L-repeat' });
    await expectHalted('repeat', 'L-repeat', 'max_identical', tokens, trip);
    const feed = await call(t.url, 'GET', '/v1/revocations', OPERATOR_KEYS.resource_server.key);
    expect((feed.body.revocations as { jti?: string }[]).map((e) => e.jti).sort()).toEqual(
      tokens.map((token) => decodeJwt(token).jti).sort(),
    );
    const halted = await call(
      t.url,
      'GET',
      `/v1/tasks?${agentQuery('repeat')}&status=halted`,
      OPERATOR_KEYS.viewer.key,
    );
    expect(halted.body.tasks).toEqual([
      expect.objectContaining({
        task_id: 'L-repeat',
        status: 'halted',
        halt: {
          rule: 'max_identical',
          reason: 'loop rule max_identical: 4 > 3 in 60s',
          at: Math.floor(clock.now() / 1000),
        },
      }),
    ]);
    expect((await resume('repeat', 'L-repeat')).body).toMatchObject({ status: 'active' });
    const after = await exchange('repeat', { task_id: 'L-repeat' });
    expect(after.status).toBe(200);
    expect(await introspect(t.url, after.body.access_token as string)).toMatchObject({
      active: true,
    });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/mandate_loop_trips_total\{rule="max_identical"\} 1/);
  });

  it('halts a task bursting past its exchange rate, whatever it asks for', async () => {
    const distinct = (i: number) => ({ task_id: 'L-burst', intent: { purpose: `step ${i}` } });
    const tokens = await granted('burst', 6, distinct);
    await expectHalted(
      'burst',
      'L-burst',
      'max_exchanges',
      tokens,
      await exchange('burst', distinct(6)),
    );
    await resume('burst', 'L-burst');
    expect((await exchange('burst', distinct(7))).status).toBe(200);
  });

  it('halts a task over its grant budget, even when it paces itself', async () => {
    const paced = (i: number) => {
      clock.advance(20_000);
      return { task_id: 'L-budget', intent: { purpose: 'sweep', targets: [`T-${i}`] } };
    };
    const tokens = await granted('budget', 8, paced);
    const trip = await exchange('budget', paced(8));
    await expectHalted('budget', 'L-budget', 'max_grants', tokens, trip);
    await resume('budget', 'L-budget');
    expect((await exchange('budget', paced(9))).status).toBe(200);
  });

  it('halts a task that is still asking when it is old', async () => {
    // A grant every 7 minutes: within every rate and budget, but the task grows old.
    const tokens = await granted('old', 5, (i) => {
      if (i > 0) clock.advance(7 * MINUTE);
      return { task_id: 'L-old', intent: { purpose: `step ${i}` } };
    });
    const last = tokens.at(-1)!;
    clock.advance(3 * MINUTE);
    expect(await introspect(t.url, last)).toMatchObject({ active: true });
    const trip = await exchange('old', { task_id: 'L-old', intent: { purpose: 'step 5' } });
    expect(trip.body.error_description).toMatch(/max_task_age \(1860 > 1800\)/);
    await expectHalted('old', 'L-old', 'max_task_age', [last], trip);
    await resume('old', 'L-old');
    expect((await exchange('old', { task_id: 'L-old' })).status).toBe(200);
  });

  it('blocks an agent that trips task after task, and lets it back when the block ends', async () => {
    for (const task of ['B-1', 'B-2', 'B-3', 'B-4']) {
      await granted('runaway', 3, () => ({ task_id: task }));
      const trip = await exchange('runaway', { task_id: task });
      expect(trip.body).toMatchObject({ error: 'task_halted', rule: 'max_identical' });
    }
    const blocked = await exchange('runaway');
    expect(blocked).toMatchObject({ status: 403, body: { error: 'access_denied' } });
    const shown = await call(
      t.url,
      'GET',
      `/v1/agent?${agentQuery('runaway')}`,
      OPERATOR_KEYS.viewer.key,
    );
    expect(shown.body.blocked_until).toBe(Math.ceil((clock.now() + 15 * MINUTE) / 1000));
    clock.advance(15 * MINUTE);
    expect((await exchange('runaway')).status).toBe(200);
  });

  it('rate-limits an identity with 429 and Retry-After, apart from the loop rules', async () => {
    clock.advance(10_000 - (clock.now() % 10_000));
    await granted('chatty', 20, () => ({}));
    clock.advance(4000);
    const limited = await exchange('chatty');
    expect(limited).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(limited.headers.get('retry-after')).toBe('6');
    clock.advance(6000);
    expect((await exchange('chatty')).status).toBe(200);
  });

  it('counts requests for approval as exchanges: a flood of them halts the task', async () => {
    const ask = () =>
      exchange('deploy/flood', {
        audience: 'deploy',
        scope: 'deploy:destroy-env',
        task_id: 'A-1',
        intent: { purpose: 'remove preview env', targets: ['preview-42'] },
      });
    for (let i = 0; i < 3; i += 1)
      expect((await ask()).body).toMatchObject({ error: 'approval_required', task_id: 'A-1' });
    const halted = await ask();
    expect(halted.body).toMatchObject({ error: 'task_halted', rule: 'max_identical' });
  });
});
