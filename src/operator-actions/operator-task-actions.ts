import type { AuditLog } from '../audit/audit-log.js';
import { MandateError } from '../errors.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import type { TaskState } from '../grants/grant-records.js';
import { REVOKED_BY_OPERATOR } from './feed-reasons.js';
import { rolesOf, type OperatorCommand } from './operator-command.js';

/** What {@link OperatorTaskActions} needs. */
export interface OperatorTaskActionsOptions {
  readonly store: Pick<GrantLedger, 'revokeGrant' | 'endTask' | 'resumeTask'>;
  /** Where each action is recorded, once it happened. */
  readonly audit: AuditLog;
}

/**
 * An operator's changes to one grant or one task: revoke a grant, revoke a task, resume a
 * halted task. Unknown and someone else's look the same (`not_found`), and only an action
 * that happened is audited, with the operator's name.
 *
 * @example
 * await tasks.revokeTask({ operator: 'alice', agent, taskId: 'T-1' });
 */
export class OperatorTaskActions {
  readonly #o: OperatorTaskActionsOptions;
  constructor(options: OperatorTaskActionsOptions) {
    this.#o = options;
  }

  /** Revokes one live grant; `not_found` when there is no live grant of that id. */
  async revokeGrant(command: OperatorCommand & { jti: string }): Promise<{ revoked: number }> {
    const { operator, agent, jti } = command;
    const result = await this.#o.store.revokeGrant(agent, jti, REVOKED_BY_OPERATOR);
    if (result.revoked === 0) throw new MandateError('not_found', `no grant ${jti}`);
    this.#o.audit.record({
      event: 'operator_action',
      operator,
      ...rolesOf(command),
      action: 'revoke_grant',
      agent,
      jti,
      revoked: result.revoked,
    });
    return { revoked: result.revoked };
  }

  /** Ends the task as `revoked`, killing every grant of it; `not_found` when there is none. */
  async revokeTask(command: OperatorCommand & { taskId: string }): Promise<{ revoked: number }> {
    const { operator, agent, taskId } = command;
    const result = await this.#o.store.endTask(agent, taskId, 'revoked', REVOKED_BY_OPERATOR);
    if (!result) throw new MandateError('not_found', `no task ${taskId}`);
    this.#o.audit.record({
      event: 'operator_action',
      operator,
      ...rolesOf(command),
      action: 'revoke_task',
      agent,
      task: taskId,
      revoked: result.revoked,
    });
    return { revoked: result.revoked };
  }

  /**
   * Makes a halted task active again, its loop budgets afresh. An active task stays as it is;
   * a completed or revoked one is refused: it cannot come back.
   */
  async resumeTask(command: OperatorCommand & { taskId: string }): Promise<TaskState> {
    const { operator, agent, taskId } = command;
    const task = await this.#o.store.resumeTask(agent, taskId);
    if (!task) throw new MandateError('not_found', `no task ${taskId}`);
    if (task.status !== 'active') {
      throw new MandateError(
        'invalid_request',
        `task ${taskId} is ${task.status}; only a halted task can be resumed`,
      );
    }
    this.#o.audit.record({
      event: 'operator_action',
      operator,
      ...rolesOf(command),
      action: 'resume_task',
      agent,
      task: taskId,
      status: task.status,
    });
    return task;
  }
}
