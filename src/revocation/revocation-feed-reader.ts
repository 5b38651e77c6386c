import type { RevocationEntry, RevocationPage } from './revocation-entry.js';

/**
 * What the feed routes read: retained revocations after a cursor, and the ones appended from
 * now on by any broker on the same store. The grant store serves it.
 */
export interface RevocationFeedReader {
  /** Retained revocations after `since` (all retained without it), oldest first. */
  revocations(since: string | undefined, limit: number): Promise<RevocationPage>;
  /** Calls `listener` with each revocation appended from now on; resolves to the stop function. */
  watchRevocations(listener: (entry: RevocationEntry) => void): Promise<() => void>;
}
