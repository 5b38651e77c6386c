import { grantLedgerContract } from './grant-ledger.contract.js';
import { grantQueriesContract } from './grant-queries.contract.js';
import { revocationFeedContract } from './revocation-feed.contract.js';
import type { StoreHarness, TestClock } from './store-harness.js';

// Other tests build their clocks and waits from here.
export * from './store-harness.js';

/**
 * The behaviour every {@link GrantStore} must show, port by port, run against the memory store
 * and the Redis store alike (test/grants/*-grant-store.test.ts).
 */
export function grantStoreContract(make: (clock: TestClock) => Promise<StoreHarness>): void {
  describe('GrantLedger', () => grantLedgerContract(make));
  describe('GrantQueries', () => grantQueriesContract(make));
  describe('RevocationFeed', () => revocationFeedContract(make));
}
