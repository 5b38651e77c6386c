import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import type { IdGenerator } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { StoreEpoch } from './store-epoch.js';

const LUA = readFileSync(new URL('./lua/ensure-epoch.lua', import.meta.url), 'utf8');
const COMMAND = 'mandateEnsureEpoch';
const reply = z.object({ epoch: z.string(), created: z.boolean(), id: z.string().optional() });

/** What one check found. */
export type EpochCheck =
  | 'kept' // the key holds the epoch this broker knows
  | 'started' // no epoch was known and none was stored: this broker wrote the first
  | 'adopted' // another broker wrote the stored epoch (at start, or after a loss it noticed first)
  | 'lost'; // the key was gone: this broker started a new epoch and published it to the feed

/** Options of {@link RedisStoreEpoch}; the client is built by the composition root. */
export interface RedisStoreEpochOptions {
  readonly redis: Redis;
  /** `<prefix>:epoch`. */
  readonly key: string;
  /** The revocation stream the epoch entry is appended to. */
  readonly stream: string;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /** TTL of the epoch key, ms, renewed by every check (`DEFAULTS.storeEpochTtlSeconds`). */
  readonly ttlMs: number;
  /** How long feed entries are kept, ms (the stream's trim). */
  readonly retentionMs: number;
  /** The longest life of a token: after it every token issued before the loss has expired. */
  readonly maxTokenLifeSeconds: number;
  /** Told each time this broker starts a new epoch after a loss (the metric). */
  readonly onLost: () => void;
}

/**
 * The store's epoch on Redis. At start the broker writes `<prefix>:epoch` unless it exists (a
 * random id and, after a loss, its time), then checks it every `store.epoch_check_interval`.
 * A key gone means Redis lost its data (restarted without persistence, flushed): the broker
 * writes a new epoch and appends an `epoch` entry (agent `*`) to the feed in the same script,
 * and verifiers then refuse every token issued up to that second: lost grants fail closed.
 *
 * @example
 * const epoch = new RedisStoreEpoch({ redis, key: 'mandate:epoch', stream, clock, ids, ... });
 * await epoch.check();
 * epoch.watch(5000);
 */
export class RedisStoreEpoch implements StoreEpoch {
  readonly #o: RedisStoreEpochOptions;
  #known: string | undefined;
  #lostAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RedisStoreEpochOptions) {
    this.#o = options;
    options.redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: LUA });
  }

  get lostAt(): number {
    return this.#lostAt;
  }

  /** Checks the key once, writing a new epoch when it is gone; rejects when Redis fails. */
  async check(): Promise<EpochCheck> {
    const now = this.#o.clock.now();
    const known = this.#known;
    const args = {
      now,
      // a JSON null would reach Lua as a truthy value: an unknown epoch is left out
      ...(known === undefined ? {} : { known }),
      candidate: `${this.#o.ids.grantId()}@${known === undefined ? 0 : now}`,
      ttl: this.#o.ttlMs,
      retention: this.#o.retentionMs,
      until: Math.ceil(now / 1000) + this.#o.maxTokenLifeSeconds,
    };
    const run = (this.#o.redis as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[
      COMMAND
    ]!;
    const raw = await run.call(this.#o.redis, this.#o.key, this.#o.stream, JSON.stringify(args));
    const { epoch, created } = reply.parse(JSON.parse(String(raw)));
    this.#known = epoch;
    this.#lostAt = Math.max(this.#lostAt, lostAtOf(epoch));
    if (created && known !== undefined) {
      this.#o.logger.error(
        { epoch_at: now },
        'the store lost its state (its epoch key is gone): started a new epoch; every token issued before it is revoked',
      );
      this.#o.onLost();
      return 'lost';
    }
    if (created) return 'started';
    return epoch === known ? 'kept' : 'adopted';
  }

  /** Checks every `intervalMs` until {@link close}; a failed check is logged and retried. */
  watch(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.check().catch((err: unknown) => {
        this.#o.logger.warn({ err: (err as Error).message }, 'store epoch check failed');
      });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops checking. */
  close(): void {
    clearInterval(this.#timer);
  }
}

/** The loss time an epoch value carries (`<id>@<ms>`), 0 for an epoch written at a start. */
function lostAtOf(epoch: string): number {
  const ms = Number(epoch.slice(epoch.lastIndexOf('@') + 1));
  return Number.isSafeInteger(ms) && ms > 0 ? ms : 0;
}
