import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import { FEED_START, type RevocationEntry } from './revocation-entry.js';
import { parseStreamEntry } from './parse-stream-entry.js';

/** How long one XREAD waits for new entries; also bounds how late `close()` takes effect. */
const BLOCK_MS = 1000;
/** Pause before reading again after a Redis error. */
const RETRY_MS = 500;

/** Options of {@link RedisRevocationReader}. */
export interface RedisRevocationReaderOptions {
  /** Builds the dedicated connection the reader blocks on (built by the composition root). */
  readonly connect: () => Redis;
  readonly stream: string;
  readonly logger: Logger;
}

/**
 * One blocking reader of the revocation stream per process, fanning entries out to every
 * listener (SSE clients). It runs only while someone listens, on a connection of its own so
 * XREAD BLOCK never delays the store's commands. Entries written by any broker arrive here.
 */
export class RedisRevocationReader {
  readonly #o: RedisRevocationReaderOptions;
  readonly #listeners = new Set<(entry: RevocationEntry) => void>();
  #client: Redis | undefined;
  #ready: Promise<void> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: RedisRevocationReaderOptions) {
    this.#o = options;
  }

  /**
   * Adds a listener. Resolves once the reader knows where the stream ends, so every entry
   * appended after this resolves reaches the listener.
   */
  async watch(listener: (entry: RevocationEntry) => void): Promise<() => void> {
    this.#listeners.add(listener);
    if (!this.#client) {
      const client = this.#o.connect();
      this.#client = client;
      this.#ready = this.#tail(client).then((start) => {
        this.#running = this.#loop(client, start);
      });
    }
    try {
      await this.#ready;
    } catch (err) {
      this.#listeners.delete(listener);
      await this.#stop();
      throw err;
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#stop();
    };
  }

  /** Stops reading and closes the connection. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#stop();
  }

  async #stop(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = undefined;
    this.#ready = undefined;
    client.disconnect();
    await this.#running;
  }

  /** The id of the newest entry, so reading starts right after it. */
  async #tail(client: Redis): Promise<string> {
    const last = (await client.call('XREVRANGE', this.#o.stream, '+', '-', 'COUNT', '1')) as [
      string,
      unknown,
    ][];
    return last[0]?.[0] ?? FEED_START;
  }

  async #loop(client: Redis, start: string): Promise<void> {
    let after = start;
    while (this.#client === client) {
      try {
        const reply = (await client.call(
          'XREAD',
          'COUNT',
          '500',
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          this.#o.stream,
          after,
        )) as unknown[] | null;
        for (const raw of streamItems(reply)) {
          const entry = parseStreamEntry(raw);
          if (!entry) continue;
          after = entry.id;
          for (const listener of this.#listeners) {
            try {
              listener(entry);
            } catch (err) {
              this.#o.logger.error({ err }, 'revocation listener failed');
            }
          }
        }
      } catch (err) {
        if (this.#client !== client) return;
        this.#o.logger.warn({ err }, 'revocation stream read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}

/**
 * The entries of an XREAD reply for one stream. RESP2 answers `[[key, entries]]`; RESP3 (the
 * ioredis 6 default) answers a map, which ioredis flattens to `[key, entries]`.
 */
function streamItems(reply: unknown[] | null): unknown[] {
  if (!reply || reply.length === 0) return [];
  const pair = Array.isArray(reply[0]) ? (reply[0] as unknown[]) : reply;
  return Array.isArray(pair[1]) ? (pair[1] as unknown[]) : [];
}
