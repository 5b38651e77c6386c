import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/load-config.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { GrantStore } from './grant-store.js';
import { MemoryGrantStore } from './memory-grant-store.js';
import { RedisGrantStore } from './redis/redis-grant-store.js';

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
export function revocationRetentionMs(config: Config): number {
  return (config.limits.max_token_ttl + config.limits.clock_tolerance + 60) * 1000;
}

/** Client options that make Redis failures fast: no queueing while down, bounded waits. */
export function redisClientOptions(config: Config): RedisOptions {
  const { command_timeout_ms: commandTimeout, connect_timeout_ms: connectTimeout } = config.store;
  return {
    enableOfflineQueue: false,
    commandTimeout,
    connectTimeout,
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background (requests meanwhile fail at once), backing off.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    lazyConnect: true,
  };
}

/**
 * Builds the store the config asks for: Redis with `store.redis_url`, memory without. With
 * Redis, waits for the first connection (up to the connect timeout); a broker that cannot reach
 * Redis still starts, answers 503 and reports not ready until Redis is back.
 */
export async function createGrantStore(
  config: Config,
  deps: { clock: Clock; logger: Logger },
): Promise<GrantStoreBundle> {
  const retention = revocationRetentionMs(config);
  const url = config.store.redis_url;
  if (url === undefined) {
    const store = new MemoryGrantStore({ clock: deps.clock, revocationRetentionMs: retention });
    return { store, close: () => store.close() };
  }
  const options = redisClientOptions(config);
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
        commandTimeout: options.commandTimeout! + 1500,
        enableOfflineQueue: true,
        lazyConnect: false,
      }),
    prefix: config.store.prefix,
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
