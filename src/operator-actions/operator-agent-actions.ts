import type { AuditLog } from '../audit/audit-log.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import type { Clock } from '../platform/clock.js';
import { BLOCKED_BY_OPERATOR, REVOKED_BY_OPERATOR } from './feed-reasons.js';
import { rolesOf, type OperatorCommand } from './operator-command.js';

/** What {@link OperatorAgentActions} needs. */
export interface OperatorAgentActionsOptions {
  readonly store: Pick<GrantLedger, 'revokeAgent' | 'blockAgent' | 'unblockAgent'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/**
 * An operator's changes to everything an agent holds: revoke it all, block the agent (which
 * revokes too, so a blocked agent holds nothing live) and lift a block. Each acts on every task
 * of the agent at once and is audited with the operator's name once the store has done it.
 *
 * @example
 * const { until, revoked } = await agents.block({ operator: 'alice', agent, seconds: 3600 });
 */
export class OperatorAgentActions {
  readonly #o: OperatorAgentActionsOptions;
  constructor(options: OperatorAgentActionsOptions) {
    this.#o = options;
  }

  /** Revokes every task and grant of the agent; `revoked` may be 0 (it held nothing). */
  async revokeAll(command: OperatorCommand): Promise<{ revoked: number }> {
    const { operator, agent } = command;
    const result = await this.#o.store.revokeAgent(agent, REVOKED_BY_OPERATOR);
    this.#o.audit.record({
      event: 'operator_action',
      operator,
      ...rolesOf(command),
      action: 'revoke_agent',
      agent,
      revoked: result.revoked,
    });
    return { revoked: result.revoked };
  }

  /** Blocks the agent for `seconds` from now and revokes what it holds; `until` in epoch ms. */
  async block(
    command: OperatorCommand & { seconds: number },
  ): Promise<{ until: number; revoked: number }> {
    const { operator, agent, seconds } = command;
    const until = this.#o.clock.now() + seconds * 1000;
    const result = await this.#o.store.blockAgent(agent, until, BLOCKED_BY_OPERATOR);
    this.#o.audit.record({
      event: 'operator_action',
      operator,
      ...rolesOf(command),
      action: 'block_agent',
      agent,
      seconds,
      revoked: result.revoked,
    });
    return { until, revoked: result.revoked };
  }

  /** Lifts a block; `wasBlocked` says whether there was one (audited either way). */
  async unblock(command: OperatorCommand): Promise<{ wasBlocked: boolean }> {
    const { operator, agent } = command;
    const was = await this.#o.store.unblockAgent(agent);
    this.#o.audit.record({
      event: 'operator_action',
      operator,
      ...rolesOf(command),
      action: 'unblock_agent',
      agent,
      was_blocked: was,
    });
    return { wasBlocked: was };
  }
}
