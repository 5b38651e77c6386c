import type { Redis } from 'ioredis';

/** Where the revoker is in the revocation feed: the last entry it applied. */
export interface RevokerCursor {
  get(): Promise<string | undefined>;
  set(id: string): Promise<void>;
}

/** The cursor in this process (the broker without Redis: the feed is in memory too). */
export class MemoryRevokerCursor implements RevokerCursor {
  #id: string | undefined;

  get(): Promise<string | undefined> {
    return Promise.resolve(this.#id);
  }

  set(id: string): Promise<void> {
    this.#id = id;
    return Promise.resolve();
  }
}

/**
 * The cursor in Redis (`<prefix>:aws:revoker:cursor`), so a restarted broker resumes where the
 * last one stopped. Lost (expired, a new Redis): the revoker starts again from the oldest entry
 * retained, and writing a deny twice changes nothing.
 */
export class RedisRevokerCursor implements RevokerCursor {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #ttlSeconds: number;

  constructor(options: { redis: Redis; prefix: string; ttlSeconds: number }) {
    this.#redis = options.redis;
    this.#key = `${options.prefix}:aws:revoker:cursor`;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async get(): Promise<string | undefined> {
    return (await this.#redis.get(this.#key)) ?? undefined;
  }

  async set(id: string): Promise<void> {
    await this.#redis.set(this.#key, id, 'EX', this.#ttlSeconds);
  }
}
