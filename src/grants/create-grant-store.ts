import { Redis, type RedisOptions } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { GrantStore } from './grant-store.js';
import { MemoryGrantStore } from './memory-grant-store.js';
import { RedisGrantStore } from './redis/redis-grant-store.js';

/** What the store is built from: the `store:` and lifetime settings it needs, nothing more. */
export interface GrantStoreOptions {
  /** `redis://` or `rediss://`; absent: the in-memory store. */
  readonly redisUrl?: string | undefined;
  /** Prefix of every Redis key. */
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** How long revocation entries are kept (see {@link revocationRetentionMs}). */
  readonly revocationRetentionMs: number;
}

/** The store and, with Redis, the client it runs on (shared with other Redis users). */
export interface GrantStoreBundle {
  readonly store: GrantStore;
  readonly redis?: Redis;
  /** Closes the store, then the Redis client. */
  close(): Promise<void>;
}

/**
 * How long revocation entries are kept: longer than any token they revoke can live, plus the
 * clock skew verifiers tolerate and a minute, so replaying the feed from an old id never misses
 * a token that is still accepted somewhere.
 */
export function revocationRetentionMs(limits: {
  maxTokenTtlSeconds: number;
  clockToleranceSeconds: number;
}): number {
  return (limits.maxTokenTtlSeconds + limits.clockToleranceSeconds + 60) * 1000;
}

/** Client options that make Redis failures fast: no queueing while down, bounded waits. */
export function redisClientOptions(
  timeouts: Pick<GrantStoreOptions, 'commandTimeoutMs' | 'connectTimeoutMs'>,
) {
  return {
    enableOfflineQueue: false,
    commandTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background (requests meanwhile fail at once), backing off.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    lazyConnect: true,
  } satisfies RedisOptions;
}

/**
 * Builds the store the options ask for: Redis with `redisUrl`, memory without. With
 * Redis, waits for the first connection (up to the connect timeout); a broker that cannot reach
 * Redis still starts, answers 503 and reports not ready until Redis is back.
 */
export async function createGrantStore(
  o: GrantStoreOptions,
  deps: { clock: Clock; logger: Logger },
): Promise<GrantStoreBundle> {
  const retention = o.revocationRetentionMs;
  const url = o.redisUrl;
  if (url === undefined) {
    const store = new MemoryGrantStore({ clock: deps.clock, revocationRetentionMs: retention });
    return { store, close: () => store.close() };
  }
  const options = redisClientOptions(o);
  const redis = new Redis(url, options);
  redis.on('error', (err: Error) => {
    deps.logger.warn({ err: err.message }, 'redis connection error');
  });
  try {
    await redis.connect();
  } catch (err) {
    deps.logger.warn(
      { err: (err as Error).message },
      'redis unreachable at start; serving 503 until it is back',
    );
  }
  const store = new RedisGrantStore({
    redis,
    // The blocking reader waits up to a second per XREAD, so its timeout must be that longer.
    connectReader: () =>
      redis.duplicate({
        ...options,
        commandTimeout: options.commandTimeout + 1500,
        enableOfflineQueue: true,
        lazyConnect: false,
      }),
    prefix: o.prefix,
    clock: deps.clock,
    logger: deps.logger,
    revocationRetentionMs: retention,
  });
  return {
    store,
    redis,
    close: async () => {
      await store.close();
      redis.disconnect();
    },
  };
}
