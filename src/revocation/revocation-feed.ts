import type { RevocationEntry, RevocationPage } from './revocation-entry.js';

/** Called with each revocation as it reaches the feed, from any broker sharing the store. */
export type RevocationListener = (entry: RevocationEntry) => void;

/**
 * The revocation feed as its readers (the SSE and paged feed routes) see it: the ledger appends
 * to it in the same atomic step as each revocation. Failures reject with
 * `MandateError('temporarily_unavailable')`. Both implementations pass
 * test/grants/revocation-feed.contract.ts.
 */
export interface RevocationFeed {
  /** Retained revocations after `since` (all retained without it), oldest first. */
  revocations(since: string | undefined, limit: number): Promise<RevocationPage>;
  /**
   * Calls `listener` with every revocation appended from now on, by any broker on this store.
   * Resolves, once the watch is in place, to the function that stops it.
   */
  watchRevocations(listener: RevocationListener): Promise<() => void>;
}
