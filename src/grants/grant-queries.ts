import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  Page,
  PageRequest,
  TaskFilter,
  TaskState,
} from './grant-records.js';

/**
 * What operators and introspection read: grants and tasks, never changing them. Failures reject
 * with `MandateError('temporarily_unavailable')`. Both implementations pass
 * test/grants/grant-queries.contract.ts.
 */
export interface GrantQueries {
  /** The grant with id `jti` of this agent, or null when it is unknown, revoked or expired. */
  getGrant(agentId: string, jti: string): Promise<GrantLookup | null>;
  /**
   * A page of live grants matching the filter: agents by their latest task end, newest first;
   * an agent's grants by task, newest task first, then by expiry. An unknown or malformed
   * cursor rejects with `invalid_request`.
   */
  listGrants(filter: GrantFilter, page: PageRequest): Promise<Page<GrantRecord>>;
  /** A page of unexpired tasks matching the filter, in the order of `listGrants`. */
  listTasks(filter: TaskFilter, page: PageRequest): Promise<Page<TaskState>>;
}
