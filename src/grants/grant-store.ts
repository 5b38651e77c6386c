import type { ScopeClass } from '../config/schema.js';

/** Where a task is in its life. Only an `active` task's grants are live. */
export type TaskStatus = 'active' | 'completed' | 'halted' | 'revoked';

/** A task as the store knows it. */
export interface TaskState {
  readonly agentId: string;
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly purpose: string;
  /** Creation time, ms since epoch. */
  readonly createdAt: number;
  /** Grants recorded over the task's life. */
  readonly exchanges: number;
  /** Grants of the task not yet expired or revoked. */
  readonly liveGrants: number;
}

/** One grant: the record behind one minted token. */
export interface GrantRecord {
  /** The grant id, also the token's `jti`. */
  readonly jti: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly resource: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly tier: ScopeClass;
  readonly targets: readonly string[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds; the grant is gone after this. */
  readonly expiresAt: number;
}

/** Input of {@link GrantStore.recordGrant}. */
export interface RecordGrantInput {
  readonly grant: GrantRecord;
  /** The task's declared purpose, stored when the grant starts the task. */
  readonly purpose: string;
  /** Current time, ms since epoch. */
  readonly now: number;
  /** Longest life of a task, in seconds; the task record expires after it. */
  readonly maxTaskAgeSeconds: number;
}

/** Why the store refused to record a grant. */
export type GrantRefusal =
  | { readonly reason: 'agent_blocked' }
  | { readonly reason: 'task_not_active'; readonly status: TaskStatus }
  | { readonly reason: 'task_expired' };

/** Result of {@link GrantStore.recordGrant}. */
export type RecordGrantResult =
  | { readonly ok: true; readonly task: TaskState }
  | { readonly ok: false; readonly refusal: GrantRefusal };

/**
 * The broker's state of tasks and grants. Every method that changes state does so atomically,
 * so a grant is either fully recorded or not at all. Implementations: memory (one process) and
 * Redis (shared by replicas); both pass test/grants/grant-store.contract.ts.
 */
export interface GrantStore {
  /** The task's state, or null when the agent has no such task. */
  getTask(agentId: string, taskId: string): Promise<TaskState | null>;
  /**
   * Atomically: refuses if the agent is blocked or the task is not active or too old; creates
   * the task if it is new; records the grant. The grant exists when this resolves with ok.
   */
  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult>;
  /** Resolves when the store can serve requests; rejects otherwise. */
  ping(): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
