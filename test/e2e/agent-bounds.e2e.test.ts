import type { Redis } from 'ioredis';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import type { TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, call, startRedisBroker } from './redis-broker.js';

const AGENT = 'spiffe://test.example/agent/triage';
const Q = `agent=${encodeURIComponent(AGENT)}`;

// What bounds the work one agent can make the broker do: its active tasks, and operator
// listings that page through its tasks with a cursor instead of reading all of them at once.
describe('bounded work per agent, end to end on Redis', () => {
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix, { config: { limits: { max_live_tasks: 4 } } });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const started: { task_id: string; access_token: string }[] = [];

  it('refuses a new task past limits.max_live_tasks with 429, until one ends', async () => {
    for (let i = 0; i < 4; i += 1) {
      const res = await t.exchange();
      expect(res.status).toBe(200);
      started.push(res.body as { task_id: string; access_token: string });
    }
    const refused = await t.exchange();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited' });
    expect(refused.body.error_description).toMatch(/4 active tasks \(limits\.max_live_tasks\)/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // a task it holds goes on
    expect((await t.exchange({ task_id: started[0]!.task_id })).status).toBe(200);

    const done = await fetch(`${t.url}/v1/tasks/${started[0]!.task_id}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${started[0]!.access_token}` },
    });
    expect(done.status).toBe(200);
    const next = await t.exchange();
    expect(next.status).toBe(200);
    started.push(next.body as { task_id: string; access_token: string });
  });

  it('pages operator listings with a cursor, every task once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call(
        t.url,
        'GET',
        `/v1/tasks?${Q}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        OPERATOR_KEYS.viewer.key,
      );
      expect(page.status).toBe(200);
      const tasks = page.body.tasks as { task_id: string }[];
      expect(tasks.length).toBeLessThanOrEqual(2);
      seen.push(...tasks.map((task) => task.task_id));
      cursor = page.body.next_cursor as string | undefined;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual(started.map((s) => s.task_id).sort());

    const agent = await call(t.url, 'GET', `/v1/agent?${Q}&limit=1`, OPERATOR_KEYS.viewer.key);
    expect(agent.body.tasks).toHaveLength(1);
    expect(agent.body.next_cursor).toEqual(expect.any(String));
    const grants = await call(t.url, 'GET', `/v1/grants?${Q}&limit=1`, OPERATOR_KEYS.viewer.key);
    expect(grants.body.grants).toHaveLength(1);
    expect(grants.body.next_cursor).toEqual(expect.any(String));
  });

  it('refuses a cursor it did not give and a page over the maximum', async () => {
    const bad = await call(t.url, 'GET', `/v1/tasks?cursor=bogus`, OPERATOR_KEYS.viewer.key);
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(bad.body.error_description).toMatch(/cursor/);
    const big = await call(t.url, 'GET', `/v1/grants?limit=1001`, OPERATOR_KEYS.viewer.key);
    expect(big).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});
