import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Clock } from '../../src/platform/clock.js';
import { RedisGrantStore } from '../../src/grants/redis/redis-grant-store.js';

/** The Redis the integration tests run against (CI starts one on the default port). */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `mtest-${randomBytes(6).toString('hex')}`;
}

/**
 * A client set up as the broker sets it up: fail fast, no offline queue. A test that runs many
 * thousands of commands passes a longer `commandTimeout`, so a loaded machine slows it instead
 * of failing it.
 */
export async function connectRedis(url = REDIS_URL, commandTimeout = 2000): Promise<Redis> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** Deletes every key under `prefix`. */
/** Deletes every key under `prefix` on its own connection (benchmarks, after a run). */
export async function clearPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = await connectRedis(url);
  try {
    await deleteKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Every key under `prefix`. */
export async function keysOf(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

/** A Redis grant store on `redis` under `prefix`. */
export function redisStore(
  redis: Redis,
  prefix: string,
  clock: Clock,
  retentionMs: number,
): RedisGrantStore {
  return new RedisGrantStore({
    redis,
    connectReader: () => redis.duplicate({ commandTimeout: 10_000, enableOfflineQueue: true }),
    prefix,
    clock,
    logger: pino({ level: 'silent' }),
    revocationRetentionMs: retentionMs,
  });
}
