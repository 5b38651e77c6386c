import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { guarded } from '../platform/store-unavailable.js';
import { parseStreamEntry } from './parse-stream-entry.js';
import { RedisRevocationReader } from './redis-revocation-reader.js';
import { FEED_START, compareFeedIds, type RevocationPage } from './revocation-entry.js';
import type { RevocationFeed, RevocationListener } from './revocation-feed.js';

/** Options of {@link RedisRevocationFeed}. */
export interface RedisRevocationFeedOptions {
  readonly redis: Redis;
  /** Builds a dedicated connection for the blocking reader. */
  readonly connectReader: () => Redis;
  /** The stream key (`KeyLayout.revocations`). */
  readonly stream: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long entries are kept, ms: the scripts trim the stream to it as they append. */
  readonly retentionMs: number;
}

/** The {@link RevocationFeed} of the Redis store: the stream the store's scripts append to. */
export class RedisRevocationFeed implements RevocationFeed {
  readonly #o: RedisRevocationFeedOptions;
  readonly #reader: RedisRevocationReader;

  constructor(options: RedisRevocationFeedOptions) {
    this.#o = options;
    this.#reader = new RedisRevocationReader({
      connect: options.connectReader,
      stream: options.stream,
      logger: options.logger,
    });
  }

  revocations(since: string | undefined, limit: number): Promise<RevocationPage> {
    return guarded(async () => {
      // Entries past their retention are trimmed only when the next one is appended: start the
      // read after them, so a quiet feed answers as the memory feed does.
      const oldest = `${Math.max(0, this.#o.clock.now() - this.#o.retentionMs)}-0`;
      const after = since ?? FEED_START;
      const from = compareFeedIds(after, oldest) >= 0 ? `(${after}` : oldest;
      const raw = (await this.#o.redis.call(
        'XRANGE',
        this.#o.stream,
        from,
        '+',
        'COUNT',
        String(limit),
      )) as unknown[];
      const revocations = raw.map(parseStreamEntry).filter((e) => e !== undefined);
      return { revocations, cursor: revocations.at(-1)?.id ?? after };
    });
  }

  watchRevocations(listener: RevocationListener): Promise<() => void> {
    return guarded(() => this.#reader.watch(listener));
  }

  /** Stops the reader and its connection. */
  close(): Promise<void> {
    return this.#reader.close();
  }
}
