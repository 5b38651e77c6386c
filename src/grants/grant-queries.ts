import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
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
  /** Live grants matching the filter, newest first, at most `limit`. */
  listGrants(filter: GrantFilter, limit: number): Promise<GrantRecord[]>;
  /** Tasks matching the filter, at most `limit`. */
  listTasks(filter: TaskFilter, limit: number): Promise<TaskState[]>;
}
