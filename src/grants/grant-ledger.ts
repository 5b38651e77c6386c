import type {
  RecordAttemptInput,
  RecordAttemptResult,
  RecordGrantInput,
  RecordGrantResult,
  RevokeResult,
  TaskState,
} from './grant-records.js';

/**
 * The atomic ledger of tasks, grants and blocks: what the exchange and the revoking routes
 * change. Every method that changes state does so atomically (one Lua script in Redis, one
 * uninterrupted call in memory), and a revocation resolves only once both the state change and
 * its feed entry are written. Failures reject with `MandateError('temporarily_unavailable')`.
 * Both implementations pass test/grants/grant-ledger.contract.ts and loop-rules.contract.ts.
 */
export interface GrantLedger {
  /** The task's state, or null when the agent has no such task. */
  getTask(agentId: string, taskId: string): Promise<TaskState | null>;
  /**
   * Atomically: refuses if the agent is blocked or the task is not active; creates the task if
   * it is new; records the grant, its expiry clamped to the task's end (refused as
   * `task_expired` when nothing of the task's life is left). The grant exists, as returned,
   * when this resolves with ok.
   *
   * When several refusals apply at once, the first of this order is the one returned (and
   * docs/loops.md, "Which rule wins", says so to operators):
   * 1. `agent_blocked` (nothing is counted);
   * 2. `rate_limited` (the exchange counts against the rate even when a later step refuses);
   * 3. `task_not_active` (halted, completed or revoked);
   * 4. `agent_revoked_now` (the agent was revoked in this second: verifiers compare seconds);
   * 5. `too_many_tasks` (a new task past `maxLiveTasks`);
   * 6. `task_expired` (nothing of the task's life is left for a grant);
   * 7. `loop_tripped`, the loop rules in the order of `LOOP_RULES` (loop-rules.ts).
   * Both stores follow this order; the loop rules' order is read from `LOOP_RULES` by both.
   */
  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult>;
  /**
   * An exchange that asks for approval: the steps of `recordGrant` (creating the task when it
   * is new, counting the rate and the loop window, tripping loop rules), nothing granted.
   */
  recordAttempt(input: RecordAttemptInput): Promise<RecordAttemptResult>;
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
  /**
   * Revokes every task and grant of the agent, in O(1) of its history: tasks active or halted
   * until now read as revoked, grants issued in this second or before are dead (as verifiers
   * compare a token's `iat` with the feed entry's `at`), and no grant is recorded for the
   * agent in this second. `revoked` counts the live grants it killed.
   */
  revokeAgent(agentId: string, reason: string): Promise<RevokeResult>;
  /** Blocks the agent until `until` (epoch ms) and revokes everything it holds. */
  blockAgent(agentId: string, until: number, reason: string): Promise<RevokeResult>;
  /** Lifts a block; false when the agent was not blocked. */
  unblockAgent(agentId: string): Promise<boolean>;
  /** Epoch ms until which the agent is blocked, or null. */
  blockedUntil(agentId: string): Promise<number | null>;
  /** Makes a halted task active again; null when the agent has no such task. */
  resumeTask(agentId: string, taskId: string): Promise<TaskState | null>;
}
