// The records the grant store ports speak in: tasks, grants, refusals, revocation results.
import type { RevocationEntry } from '../revocation/revocation-entry.js';
import type { LoopLimits, LoopTrip, RateLimit } from './loop-rules.js';
import type { TokenClaims } from '../tokens/mint-token.js';

/** Every status a task can have. */
export const TASK_STATUSES = ['active', 'completed', 'halted', 'revoked'] as const;
/** Where a task is in its life. Only an `active` task's grants are live. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

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
  /** Grants recorded over the task's life; Cedar sees it as `context.task.exchanges`. */
  readonly grantsRecorded: number;
  /** Grants of the task not yet expired or revoked. */
  readonly liveGrants: number;
  /** Set while the task is halted. */
  readonly halt?: HaltInfo;
  /** A task started by a delegated exchange: the task of the token it was delegated from. */
  readonly parent?: { readonly agentId: string; readonly taskId: string };
}

/**
 * One grant: the record behind one minted token, which states its claims (`jti` = grant id;
 * `expiresAt`: the grant is gone after it), plus the catalogue resource it was granted on.
 */
export interface GrantRecord extends TokenClaims {
  readonly resource: string;
}

/** Input of `GrantLedger.recordGrant`. */
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
  /** Most active tasks the agent may hold; a new task past it is refused. Absent: no bound. */
  readonly maxLiveTasks?: number;
}

/**
 * Input of `GrantLedger.recordAttempt`: an exchange that asks for an operator's approval. It is
 * checked and counted as a grant would be (block, rate, task, loop rules) and grants nothing;
 * `attemptId` makes its loop-window entry unique, as a grant's jti does.
 */
export interface RecordAttemptInput extends Omit<RecordGrantInput, 'grant'> {
  readonly agentId: string;
  readonly taskId: string;
  readonly attemptId: string;
  /** The attempt acts in a delegation chain the agent is already in: `delegation_cycle` trips. */
  readonly cycle?: boolean;
}

/** Why the store refused to record a grant. */
export type GrantRefusal =
  | { readonly reason: 'agent_blocked' }
  | { readonly reason: 'task_not_active'; readonly status: TaskStatus; readonly rule?: string }
  /** Nothing of the task's life is left for a grant. */
  | { readonly reason: 'task_expired' }
  | { readonly reason: 'rate_limited'; readonly retryAfterSeconds: number }
  /** The agent was revoked in this very second: a token minted now would be refused. */
  | { readonly reason: 'agent_revoked_now'; readonly retryAfterSeconds: number }
  /** The agent holds `limit` active tasks already; the first of them ends in the retry. */
  | {
      readonly reason: 'too_many_tasks';
      readonly limit: number;
      readonly retryAfterSeconds: number;
    }
  | { readonly reason: 'loop_tripped'; readonly trip: LoopTrip };

/** Result of `GrantLedger.recordGrant`. */
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

/** Result of `GrantLedger.recordAttempt`: the task as it stands, or the refusal. */
export type RecordAttemptResult =
  | { readonly ok: true; readonly task: TaskState }
  | { readonly ok: false; readonly refusal: GrantRefusal };

/** Which page of a listing: at most `limit` items, after the page `cursor` named. */
export interface PageRequest {
  readonly limit: number;
  /** The `next` of the page before; absent: the first page. */
  readonly cursor?: string;
}

/**
 * One page of a listing. `next` is where the following page starts, absent on the last page; a
 * page may hold fewer than `limit` items and still have a `next` (each page's work is bounded).
 */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** What a revocation changed: how many live grants died, and the feed entry written. */
export interface RevokeResult {
  readonly revoked: number;
  /** The entry appended to the revocation feed; null when there was nothing to revoke. */
  readonly entry: RevocationEntry | null;
}

/** Filter of `GrantQueries.listGrants`; every member narrows. */
export interface GrantFilter {
  readonly agentId?: string;
  readonly taskId?: string;
  readonly audience?: string;
}

/** Filter of `GrantQueries.listTasks`. */
export interface TaskFilter {
  readonly agentId?: string;
  readonly status?: TaskStatus;
}
