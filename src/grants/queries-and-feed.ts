import type { RevocationPage } from '../revocation/revocation-entry.js';
import type { RevocationFeed, RevocationListener } from '../revocation/revocation-feed.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  Page,
  PageRequest,
  TaskFilter,
  TaskState,
} from './grant-records.js';
import type { GrantQueries } from './grant-queries.js';

/**
 * What a whole store hands on to its parts: the queries and the feed. Each store (memory,
 * Redis) extends this with its ledger, so the one object the composition root builds still
 * implements every port.
 */
export abstract class QueriesAndFeed implements GrantQueries, RevocationFeed {
  readonly #queries: GrantQueries;
  readonly #feed: RevocationFeed;

  protected constructor(parts: { queries: GrantQueries; feed: RevocationFeed }) {
    this.#queries = parts.queries;
    this.#feed = parts.feed;
  }

  getGrant(agentId: string, jti: string): Promise<GrantLookup | null> {
    return this.#queries.getGrant(agentId, jti);
  }

  listGrants(filter: GrantFilter, page: PageRequest): Promise<Page<GrantRecord>> {
    return this.#queries.listGrants(filter, page);
  }

  listTasks(filter: TaskFilter, page: PageRequest): Promise<Page<TaskState>> {
    return this.#queries.listTasks(filter, page);
  }

  revocations(since: string | undefined, limit: number): Promise<RevocationPage> {
    return this.#feed.revocations(since, limit);
  }

  watchRevocations(listener: RevocationListener): Promise<() => void> {
    return this.#feed.watchRevocations(listener);
  }
}
