import type { Redis } from 'ioredis';
import {
  RETENTION_MS,
  grantStoreContract,
  makeGrant,
  type StoreHarness,
  type TestClock,
} from './grant-store.contract.js';
import { loopRulesContract } from './loop-rules.contract.js';
import { connectRedis, deleteKeys, keysOf, redisStore, uniquePrefix } from './redis-support.js';

/** A Redis store and a peer store (another broker process) on a fresh prefix. */
async function make(clock: TestClock): Promise<StoreHarness> {
  const prefix = uniquePrefix();
  const a: Redis = await connectRedis();
  const b: Redis = await connectRedis();
  const store = redisStore(a, prefix, clock, RETENTION_MS);
  // A second client and store on the same prefix: another broker process.
  const peer = redisStore(b, prefix, clock, RETENTION_MS);
  return {
    store,
    peer,
    close: async () => {
      await Promise.all([store.close(), peer.close()]);
      await deleteKeys(a, prefix);
      a.disconnect();
      b.disconnect();
    },
  };
}

describe('RedisGrantStore against the real Redis', () => {
  grantStoreContract(make);
});

describe('RedisGrantStore loop rules against the real Redis', () => {
  loopRulesContract(make);
});

describe('RedisGrantStore keys', () => {
  it('all carry TTLs no longer than the task, and vanish from Redis when they expire', async () => {
    const prefix = uniquePrefix();
    const redis = await connectRedis();
    const clock = { now: () => Date.now() };
    const store = redisStore(redis, prefix, clock, RETENTION_MS);
    try {
      const now = clock.now();
      const grant = makeGrant(now, {}, 2);
      const result = await store.recordGrant({
        grant,
        purpose: 'short',
        now,
        maxTaskAgeSeconds: 3,
      });
      expect(result.ok).toBe(true);
      const keys = await keysOf(redis, prefix);
      expect(keys.map((k) => k.replace(/\{[0-9a-f]{16}\}/, '{h}')).sort()).toEqual(
        [
          `${prefix}:agents`,
          `${prefix}:{h}:agrants`,
          `${prefix}:{h}:grant:${grant.jti}`,
          `${prefix}:{h}:live`,
          `${prefix}:{h}:task:T-1`,
          `${prefix}:{h}:tasks`,
        ].sort(),
      );
      for (const key of keys) {
        // -1 would be a key without a TTL; -2 a key that already expired (a slow machine).
        const ttl = await redis.pttl(key);
        expect({ key, ttl: ttl !== -1 && ttl <= 3000 }).toEqual({ key, ttl: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 3_100));
      expect(await keysOf(redis, prefix)).toEqual([]);
    } finally {
      await store.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });
});
