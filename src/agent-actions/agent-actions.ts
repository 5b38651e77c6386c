import type { AuditLog } from '../audit/audit-log.js';
import { MandateError } from '../errors.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import { agentOfBearer, type BearerVerifiers } from './bearer-agent.js';

/** What {@link AgentActions} needs. */
export interface AgentActionsOptions extends BearerVerifiers {
  readonly store: Pick<GrantLedger, 'revokeGrant' | 'endTask'>;
  /** Where each action is recorded, once it happened. */
  readonly audit: AuditLog;
}

/**
 * What an agent does to its own tokens and tasks: revoke a token (RFC 7009) and complete a
 * task. Holding the token is the proof; it is checked with the broker's keys (or the agent's
 * trust domain) before the store is touched, and only a change that happened is audited.
 *
 * @example
 * const { revoked } = await agents.completeTask(bearer, 'T-1');
 */
export class AgentActions {
  readonly #o: AgentActionsOptions;
  constructor(options: AgentActionsOptions) {
    this.#o = options;
  }

  /**
   * Revokes the grant of a token this broker minted. Unknown, expired, foreign or already
   * revoked tokens change nothing and are not refused: RFC 7009 answers them as revoked.
   */
  async revokeToken(token: string): Promise<void> {
    const claims = await this.#o.verifier.verify(token);
    if (!claims) return;
    // the grant's holder: `client_id` (on a delegated token `sub` is the original subject)
    const agent = claims.client_id;
    const result = await this.#o.store.revokeGrant(agent, claims.jti, 'revoked by agent');
    if (result.revoked === 0) return;
    this.#o.audit.record({
      event: 'token_revoked',
      agent,
      task: claims.task_id,
      jti: claims.jti,
      revoked: result.revoked,
    });
  }

  /**
   * Ends the bearer's task as `completed`: every grant of it dies. Another agent's task and an
   * unknown task look the same (`not_found`).
   */
  async completeTask(bearer: string, taskId: string): Promise<{ revoked: number }> {
    const agent = await agentOfBearer(bearer, taskId, this.#o);
    const result = await this.#o.store.endTask(agent, taskId, 'completed', 'completed by agent');
    if (!result) throw new MandateError('not_found', `no task ${taskId}`);
    this.#o.audit.record({
      event: 'task_completed',
      agent,
      task: taskId,
      revoked: result.revoked,
    });
    return { revoked: result.revoked };
  }
}
