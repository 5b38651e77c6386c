import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  Page,
  PageRequest,
  TaskFilter,
  TaskState,
  TaskStatus,
} from '../grants/grant-records.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import type { GrantQueries } from '../grants/grant-queries.js';

// What operators read is the store's own records; the HTTP layer shows them through these names.
export { TASK_STATUSES } from '../grants/grant-records.js';
export type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  Page,
  PageRequest,
  TaskFilter,
  TaskState,
  TaskStatus,
};

/** What {@link OperatorReads} needs. */
export interface OperatorReadsOptions {
  readonly store: Pick<GrantQueries, 'listGrants' | 'getGrant' | 'listTasks'> &
    Pick<GrantLedger, 'getTask' | 'blockedUntil'>;
}

/** A task with its live grants. */
export interface TaskDetail {
  readonly task: TaskState;
  readonly grants: GrantRecord[];
}

/** An agent as operators see it: its block and a page of its tasks. */
export interface AgentDetail {
  /** Epoch ms until which the agent is blocked, or null. */
  readonly blockedUntil: number | null;
  readonly tasks: Page<TaskState>;
}

/**
 * What operators read: grants, tasks and an agent's block. Reads change nothing and are not
 * audited. Unknown and someone else's look the same (`not_found`).
 *
 * @example
 * const { task, grants } = await reads.task(agent, 'T-1');
 */
export class OperatorReads {
  readonly #store: OperatorReadsOptions['store'];
  constructor(options: OperatorReadsOptions) {
    this.#store = options.store;
  }

  /**
   * A page of live grants matching the filter (agents by latest task end, newest first; a
   * task's grants by expiry). Each page costs the store a bounded amount of work.
   */
  listGrants(filter: GrantFilter, page: PageRequest): Promise<Page<GrantRecord>> {
    return this.#store.listGrants(filter, page);
  }

  /** One grant of the agent and whether its token is live; `not_found` once it is gone. */
  async grant(agent: string, jti: string): Promise<GrantLookup> {
    const found = await this.#store.getGrant(agent, jti);
    if (!found) throw new MandateError('not_found', `no grant ${jti}`);
    return found;
  }

  /** A page of unexpired tasks matching the filter, newest end first. */
  listTasks(filter: TaskFilter, page: PageRequest): Promise<Page<TaskState>> {
    return this.#store.listTasks(filter, page);
  }

  /**
   * One task of the agent with its live grants (up to the list cap; the loop rules keep a
   * task's live grants far below it); `not_found` when there is none.
   */
  async task(agent: string, taskId: string): Promise<TaskDetail> {
    const task = await this.#store.getTask(agent, taskId);
    if (!task) throw new MandateError('not_found', `no task ${taskId}`);
    const { items } = await this.#store.listGrants(
      { agentId: agent, taskId },
      { limit: DEFAULTS.maxListItems },
    );
    return { task, grants: items };
  }

  /** The agent's block and a page of its tasks. */
  async agent(agent: string, page: PageRequest): Promise<AgentDetail> {
    const [blockedUntil, tasks] = await Promise.all([
      this.#store.blockedUntil(agent),
      this.#store.listTasks({ agentId: agent }, page),
    ]);
    return { blockedUntil, tasks };
  }
}
