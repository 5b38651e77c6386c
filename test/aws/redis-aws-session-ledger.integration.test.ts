import type { Redis } from 'ioredis';
import { RedisAwsSessionLedger } from '../../src/aws/redis-aws-session-ledger.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';

const AGENT = 'spiffe://test.example/agent/ops';

// The ledger keeps an agent's sessions until the last one expires, on any date the broker's
// clock says: its key's lifetime is counted from now, never an instant on Redis's own clock.
describe('the Redis AWS session ledger', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it.each([
    ['years before the real date', Date.UTC(2019, 0, 1) / 1000],
    ['years after the real date', Date.UTC(2041, 0, 1) / 1000],
  ])('keeps a session for its lifetime with the clock %s', async (_when, now) => {
    const ledger = new RedisAwsSessionLedger({ redis, prefix });
    const session = {
      grantId: `g-${now}`,
      agentId: AGENT,
      taskId: 'T-1',
      roleArn: 'arn:aws:iam::123456789012:role/agent-ops',
      sessionName: `mandate-g-${now}`,
      issuedAt: now,
      expiresAt: now + 900,
    };
    await ledger.record(session);
    expect(await ledger.sessionsOf(AGENT, { grantId: session.grantId }, now + 1)).toEqual([
      session,
    ]);
    const key = `${prefix}:aws:*:sessions`;
    const [found] = await redis.keys(key);
    const ttl = await redis.ttl(found!);
    expect(ttl).toBeGreaterThan(800);
    expect(ttl).toBeLessThanOrEqual(900);
  });
});
