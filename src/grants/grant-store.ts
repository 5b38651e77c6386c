import type { RevocationFeed } from '../revocation/revocation-feed.js';
import type { GrantLedger } from './grant-ledger.js';
import type { GrantQueries } from './grant-queries.js';
import type { StoreLifecycle } from './store-lifecycle.js';

export type * from './grant-records.js';
export type { RevocationListener } from '../revocation/revocation-feed.js';
export type { GrantLedger, GrantQueries, RevocationFeed, StoreLifecycle };

/**
 * Every port of the broker's state at once, as the composition root builds it: the atomic
 * ledger, the operator queries, the revocation feed and the lifecycle. Consumers name the
 * narrow port they use; implementations: memory (one process) and Redis (shared by replicas).
 */
export type GrantStore = GrantLedger & GrantQueries & RevocationFeed & StoreLifecycle;
