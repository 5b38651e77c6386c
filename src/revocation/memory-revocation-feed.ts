import {
  FEED_START,
  compareFeedIds,
  type RevocationEntry,
  type RevocationPage,
} from './revocation-entry.js';
import type { Clock } from '../platform/clock.js';
import type { RevocationFeed, RevocationListener } from './revocation-feed.js';

/**
 * The {@link RevocationFeed} of the memory store: an array trimmed by age, with ids made the
 * way Redis makes stream ids (`<ms>-<seq>`, never going backwards), and in-process listeners.
 */
export class MemoryRevocationFeed implements RevocationFeed {
  readonly #retentionMs: number;
  readonly #clock: Clock;
  #entries: RevocationEntry[] = [];
  readonly #listeners = new Set<RevocationListener>();

  constructor(options: { retentionMs: number; clock: Clock }) {
    this.#retentionMs = options.retentionMs;
    this.#clock = options.clock;
  }

  /** Appends an entry stamped at `now` and tells every listener. */
  append(fields: Omit<RevocationEntry, 'id'>, now: number): RevocationEntry {
    const last = this.#entries.at(-1);
    const [lastMs, lastSeq] = last ? last.id.split('-').map(Number) : [0, 0];
    const ms = Math.max(now, lastMs!);
    const id = `${ms}-${ms === lastMs ? lastSeq! + 1 : 0}`;
    const entry: RevocationEntry = { id, ...fields };
    this.#entries.push(entry);
    this.#trim(now);
    for (const listener of this.#listeners) listener(entry);
    return entry;
  }

  revocations(since: string | undefined, limit: number): Promise<RevocationPage> {
    this.#trim(this.#clock.now());
    const after = since ?? FEED_START;
    const revocations = this.#entries
      .filter((e) => compareFeedIds(e.id, after) > 0)
      .slice(0, limit);
    return Promise.resolve({ revocations, cursor: revocations.at(-1)?.id ?? after });
  }

  watchRevocations(listener: RevocationListener): Promise<() => void> {
    this.#listeners.add(listener);
    return Promise.resolve(() => {
      this.#listeners.delete(listener);
    });
  }

  /** Drops every entry and listener. */
  close(): void {
    this.#listeners.clear();
    this.#entries = [];
  }

  #trim(now: number): void {
    const oldest = now - this.#retentionMs;
    const keep = this.#entries.findIndex((e) => Number(e.id.split('-')[0]) >= oldest);
    this.#entries = keep < 0 ? [] : this.#entries.slice(keep);
  }
}
