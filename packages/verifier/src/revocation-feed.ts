import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RevocationEntry } from './revocation-entry.js';
import { parseRevocationEntry } from './revocation-list.js';
import { SseParser } from './sse-parser.js';

/** Options of a {@link RevocationFeed}. */
export interface RevocationFeedOptions {
  /** Where the broker answers, e.g. `https://mandate.internal`. */
  readonly brokerUrl: string;
  /** An operator API key with the `resource_server` role. */
  readonly apiKey: string;
  /** Called with every entry, from the catch-up poll or the stream, in order. */
  readonly onEntry: (entry: RevocationEntry) => void;
  /** A connection silent this long (ms) is dropped and made again. */
  readonly silenceLimitMs: number;
  /** Delays between reconnection attempts (ms): doubled from `min` up to `max`. */
  readonly reconnectDelayMs?: { readonly min: number; readonly max: number };
  /** Called when a connection fails or drops; the feed retries by itself. */
  readonly onError?: (err: Error) => void;
}

/** A feed answer other than 200: the key, the role or the broker is wrong. */
export class FeedHttpError extends Error {
  override readonly name = 'FeedHttpError';
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`${url} answered ${status}`);
  }
}

const DEFAULT_RECONNECT = { min: 100, max: 2_000 };

/**
 * Follows the broker's revocation feed: polls `GET /v1/revocations?since=<cursor>` to catch up,
 * then reads `GET /v1/revocations/stream` from that cursor (`Last-Event-ID`), and does both
 * again after any drop, so no entry is missed across broker restarts. It only reports when it
 * last heard from the broker; deciding what silence means is the verifier's job.
 *
 * @example
 * const feed = new RevocationFeed({ brokerUrl, apiKey, onEntry: (e) => list.apply(e), silenceLimitMs: 5000 });
 * feed.start();
 */
export class RevocationFeed {
  readonly #o: RevocationFeedOptions;
  readonly #base: string;
  readonly #stopped = new AbortController();
  #connection: AbortController | undefined;
  #connectedAt = 0;
  #cursor: string | undefined;
  #lastHeard: number | undefined;
  #running: Promise<void> | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #synced!: () => void;
  readonly #firstSync = new Promise<void>((resolve) => (this.#synced = resolve));

  constructor(options: RevocationFeedOptions) {
    this.#o = options;
    this.#base = options.brokerUrl.replace(/\/+$/, '');
  }

  /** Connects and keeps connecting until {@link close}. */
  start(): void {
    if (this.#running) return;
    this.#running = this.#loop();
    // Checked often enough that a dead connection is noticed well within the silence limit.
    const every = Math.max(50, Math.min(1_000, this.#o.silenceLimitMs / 4));
    this.#watchdog = setInterval(() => {
      // Silence is counted from the later of the last sign of life and the connection's start,
      // so a slow first connection is given its full time.
      const since = Math.max(this.#lastHeard ?? -Infinity, this.#connectedAt);
      if (performance.now() - since > this.#o.silenceLimitMs) this.#connection?.abort();
    }, every);
    this.#watchdog.unref();
  }

  /** Resolves after the first successful catch-up poll. */
  synced(): Promise<void> {
    return this.#firstSync;
  }

  /** Milliseconds since the broker last showed life (Infinity before it ever did). */
  silentForMs(): number {
    // Monotonic time, so a step of the wall clock never makes the feed look fresh or stale.
    return this.#lastHeard === undefined ? Infinity : performance.now() - this.#lastHeard;
  }

  /** The id of the last entry applied: where the next connection resumes. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Stops the connection and every timer. */
  async close(): Promise<void> {
    this.#stopped.abort();
    this.#connection?.abort();
    clearInterval(this.#watchdog);
    await this.#running;
  }

  async #loop(): Promise<void> {
    const delays = this.#o.reconnectDelayMs ?? DEFAULT_RECONNECT;
    let delay = delays.min;
    while (!this.#stopped.signal.aborted) {
      const connection = new AbortController();
      this.#connection = connection;
      this.#connectedAt = performance.now();
      const heardBefore = this.#lastHeard;
      try {
        await this.#connect(connection.signal);
      } catch (err) {
        connection.abort();
        if (this.#stopped.signal.aborted) break;
        this.#o.onError?.(
          connection.signal.aborted
            ? new Error(`the revocation feed was silent for ${this.#o.silenceLimitMs} ms`)
            : err instanceof Error
              ? err
              : new Error(String(err)),
        );
      }
      if (this.#stopped.signal.aborted) break;
      // A connection that delivered something resets the backoff; a refused one grows it.
      if (this.#lastHeard !== heardBefore) delay = delays.min;
      await sleep(delay * (0.75 + Math.random() / 2), undefined, {
        signal: this.#stopped.signal,
      }).catch(() => undefined);
      delay = Math.min(delay * 2, delays.max);
    }
  }

  /**
   * One connection. The stream is opened first and read only after the catch-up poll, so an
   * entry appended between the two is in one or the other (applying one twice is harmless).
   */
  async #connect(signal: AbortSignal): Promise<void> {
    const headers = { authorization: `Bearer ${this.#o.apiKey}` };
    const streamUrl = `${this.#base}/v1/revocations/stream`;
    const stream = await fetch(streamUrl, {
      headers: {
        ...headers,
        accept: 'text/event-stream',
        ...(this.#cursor === undefined ? {} : { 'last-event-id': this.#cursor }),
      },
      signal,
    });
    if (!stream.ok || !stream.body) throw new FeedHttpError(streamUrl, stream.status);

    await this.#catchUp(headers, signal);
    this.#heard();
    this.#synced();

    const parser = new SseParser({
      onEvent: (event) => {
        if (event.event !== 'revocation') return;
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          this.#o.onError?.(new Error('a revocation event is not JSON'));
          return;
        }
        this.#accept(data);
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of stream.body as AsyncIterable<Uint8Array>) {
      this.#heard();
      parser.push(decoder.decode(chunk, { stream: true }));
    }
    throw new Error('the revocation stream ended');
  }

  /**
   * Polls page after page until the cursor stops moving: the broker pages the feed (1000 entries
   * a page), and on a first connection the stream replays nothing, so one page could miss
   * entries. A key limited to some audiences may get a page emptied by that filter whose cursor
   * still moved, so an empty page alone does not end the catch-up.
   */
  async #catchUp(headers: Record<string, string>, signal: AbortSignal): Promise<void> {
    const url = `${this.#base}/v1/revocations`;
    for (;;) {
      const before = this.#cursor;
      const since = before === undefined ? '' : `?since=${encodeURIComponent(before)}`;
      const poll = await fetch(`${url}${since}`, { headers, signal });
      if (!poll.ok) throw new FeedHttpError(url, poll.status);
      const body = (await poll.json()) as { revocations?: unknown; cursor?: unknown };
      if (!Array.isArray(body.revocations)) throw new Error('the revocations poll is malformed');
      for (const raw of body.revocations) this.#accept(raw);
      if (typeof body.cursor === 'string' && body.cursor !== '') this.#cursor = body.cursor;
      // Some progress is needed to ask again, so a broker ignoring `since` cannot loop us.
      if (this.#cursor === before) return;
    }
  }

  #accept(raw: unknown): void {
    const entry = parseRevocationEntry(raw);
    if (!entry) {
      this.#o.onError?.(new Error('ignored a revocation entry of unknown shape'));
      return;
    }
    this.#o.onEntry(entry);
    this.#cursor = entry.id;
  }

  #heard(): void {
    this.#lastHeard = performance.now();
  }
}
