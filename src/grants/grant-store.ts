import type { ScopeClass } from '../config/schema.js';
import type { RevocationEntry, RevocationPage } from '../revocation/revocation-entry.js';
import type { LoopLimits, LoopTrip, RateLimit } from './loop-rules.js';

/** Where a task is in its life. Only an `active` task's grants are live. */
export type TaskStatus = 'active' | 'completed' | 'halted' | 'revoked';

/** Why a task was halted: the loop rule that tripped, in words an operator can act on. */
export interface HaltInfo {
  readonly rule: string;
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
}

/** A task as the store knows it. */
export interface TaskState {
  readonly agentId: string;
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly purpose: string;
  /** Creation time, ms since epoch. */
  readonly createdAt: number;
  /** When the task record ends, ms since epoch. */
  readonly expiresAt: number;
  /** Grants recorded over the task's life. */
  readonly exchanges: number;
  /** Grants of the task not yet expired or revoked. */
  readonly liveGrants: number;
  /** Set while the task is halted. */
  readonly halt?: HaltInfo;
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
  /** The intent fingerprint (see `intentFingerprint`), for the repetition rule. */
  readonly fingerprint?: string;
  /** Loop rules to apply; absent: none. */
  readonly loops?: LoopLimits;
  /** The agent's exchange rate limit; absent: none. */
  readonly rateLimit?: RateLimit;
}

/** Why the store refused to record a grant. */
export type GrantRefusal =
  | { readonly reason: 'agent_blocked' }
  | { readonly reason: 'task_not_active'; readonly status: TaskStatus; readonly rule?: string }
  /** Nothing of the task's life is left for a grant. */
  | { readonly reason: 'task_expired' }
  | { readonly reason: 'rate_limited'; readonly retryAfterSeconds: number }
  | { readonly reason: 'loop_tripped'; readonly trip: LoopTrip };

/** Result of {@link GrantStore.recordGrant}. */
export type RecordGrantResult =
  | {
      readonly ok: true;
      readonly task: TaskState;
      /** The grant as recorded: its `expiresAt` clamped to the task's end. */
      readonly grant: GrantRecord;
    }
  | { readonly ok: false; readonly refusal: GrantRefusal };

/** A grant and whether its token is live (grant present and its task active). */
export interface GrantLookup {
  readonly grant: GrantRecord;
  readonly live: boolean;
  readonly taskStatus: TaskStatus | null;
}

/** What a revocation changed: how many live grants died, and the feed entry written. */
export interface RevokeResult {
  readonly revoked: number;
  /** The entry appended to the revocation feed; null when there was nothing to revoke. */
  readonly entry: RevocationEntry | null;
}

/** Filter of {@link GrantStore.listGrants}; every member narrows. */
export interface GrantFilter {
  readonly agentId?: string;
  readonly taskId?: string;
  readonly audience?: string;
}

/** Filter of {@link GrantStore.listTasks}. */
export interface TaskFilter {
  readonly agentId?: string;
  readonly status?: TaskStatus;
}

/** Called with each revocation as it reaches the feed, from any broker sharing the store. */
export type RevocationListener = (entry: RevocationEntry) => void;

/**
 * The broker's state of tasks, grants, blocks and the revocation feed. Every method that
 * changes state does so atomically (one Lua script in Redis), and a revocation resolves only
 * once both the state change and its feed entry are written. Store failures reject with
 * `MandateError('temporarily_unavailable')`. Implementations: memory (one process) and Redis
 * (shared by replicas); both pass test/grants/grant-store.contract.ts.
 */
export interface GrantStore {
  /** The task's state, or null when the agent has no such task. */
  getTask(agentId: string, taskId: string): Promise<TaskState | null>;
  /**
   * Atomically: refuses if the agent is blocked or the task is not active; creates the task if
   * it is new; records the grant, its expiry clamped to the task's end (refused as
   * `task_expired` when nothing of the task's life is left). The grant exists, as returned,
   * when this resolves with ok.
   */
  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult>;
  /** The grant with id `jti` of this agent, or null when it is unknown, revoked or expired. */
  getGrant(agentId: string, jti: string): Promise<GrantLookup | null>;
  /** Live grants matching the filter, newest first, at most `limit`. */
  listGrants(filter: GrantFilter, limit: number): Promise<GrantRecord[]>;
  /** Tasks matching the filter, at most `limit`. */
  listTasks(filter: TaskFilter, limit: number): Promise<TaskState[]>;
  /** Revokes one grant; `revoked` is 0 when it was unknown or already gone. */
  revokeGrant(agentId: string, jti: string, reason: string): Promise<RevokeResult>;
  /**
   * Ends a task, revoking every grant of it; `completed` when the agent ends it, `revoked`
   * when an operator does. Null when the agent has no such task.
   */
  endTask(
    agentId: string,
    taskId: string,
    status: 'completed' | 'revoked',
    reason: string,
  ): Promise<RevokeResult | null>;
  /** Revokes every task and grant of the agent. */
  revokeAgent(agentId: string, reason: string): Promise<RevokeResult>;
  /** Blocks the agent until `until` (epoch ms) and revokes everything it holds. */
  blockAgent(agentId: string, until: number, reason: string): Promise<RevokeResult>;
  /** Lifts a block; false when the agent was not blocked. */
  unblockAgent(agentId: string): Promise<boolean>;
  /** Epoch ms until which the agent is blocked, or null. */
  blockedUntil(agentId: string): Promise<number | null>;
  /** Makes a halted task active again; null when the agent has no such task. */
  resumeTask(agentId: string, taskId: string): Promise<TaskState | null>;
  /** Retained revocations after `since` (all retained without it), oldest first. */
  revocations(since: string | undefined, limit: number): Promise<RevocationPage>;
  /**
   * Calls `listener` with every revocation appended from now on, by any broker on this store.
   * Resolves, once the watch is in place, to the function that stops it.
   */
  watchRevocations(listener: RevocationListener): Promise<() => void>;
  /** Resolves when the store can serve requests; rejects otherwise. */
  ping(): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
