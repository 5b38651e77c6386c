import type { ApprovalEvent } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ScopeClass } from '../intent/tiers.js';
import { MandateError } from '../errors.js';
import { approvalMetricEvent } from '../metrics/label-values.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../platform/clock.js';
import type { Decision } from '../policy/decision.js';
import {
  approvalFingerprint,
  differingField,
  effectiveState,
  type Approval,
  type ApprovalState,
  type ApprovalSubject,
} from './approval.js';
import type { ApprovalPosition, ApprovalStore } from './approval-store.js';

/** What the gate needs; all of it built by the composition root. */
export interface ApprovalGateOptions {
  readonly store: ApprovalStore;
  readonly clock: Clock;
  readonly newId: () => string;
  /** How long an approval may wait and then be used. */
  readonly ttlSeconds: number;
  /** Tiers whose exchanges always wait for an operator. */
  readonly requiredTiers: ReadonlySet<ScopeClass>;
  /** Approvals one agent may have pending at once. */
  readonly maxPendingPerAgent: number;
  readonly metrics: Pick<Metrics, 'approvals'>;
  /** Where approval events are audited. */
  readonly audit: AuditLog;
}

/** An operator's answer to a pending approval. */
export interface OperatorVerdict {
  readonly decision: 'approve' | 'deny';
  /** The operator's key name. */
  readonly by: string;
  readonly reason: string;
}

/**
 * The approval gate for risky exchanges. The exchange asks it whether a request must wait,
 * records the wait, and later checks and uses up the approval an agent presents; operators
 * decide through it. Approvals are bound to everything the approver is shown.
 *
 * @example
 * if (gate.needsApproval({ tier, decision, asApproved })) {
 *   throw approvalRequired(await gate.ask(subject));
 * }
 */
export class ApprovalGate {
  readonly #o: ApprovalGateOptions;
  constructor(options: ApprovalGateOptions) {
    this.#o = options;
  }

  /** True when exchanges at this tier always wait for an operator. */
  requiresApproval(tier: ScopeClass): boolean {
    return this.#o.requiredTiers.has(tier);
  }

  /**
   * True when the exchange must wait for an operator, given what an operator would approve (its
   * tier) and policy's decisions without and with approval: the tier requires approval, or
   * approval would allow scopes policy refuses now (`unless { context.approved }`). The caller
   * has already found something an operator could approve: never ask when policy says no anyway.
   */
  needsApproval(args: { tier: ScopeClass; decision: Decision; asApproved: Decision }): boolean {
    return (
      this.requiresApproval(args.tier) ||
      args.asApproved.allowed.length > args.decision.allowed.length
    );
  }

  /**
   * Records a pending approval for this exchange and returns it; the exchange then refuses
   * with `approval_required`, naming it. The same request asked again while its approval is
   * pending gets that approval back; an agent with `maxPendingPerAgent` pending is refused with
   * `rate_limited` until the oldest expires.
   */
  async ask(subject: ApprovalSubject): Promise<Approval> {
    const now = this.#o.clock.now();
    const approval: Approval = {
      ...subject,
      id: this.#o.newId(),
      state: 'pending',
      createdAt: now,
      expiresAt: now + this.#o.ttlSeconds * 1000,
    };
    const max = this.#o.maxPendingPerAgent;
    const asked = await this.#o.store.ask(approval, {
      fingerprint: approvalFingerprint(subject),
      maxPending: max,
    });
    switch (asked.outcome) {
      case 'created':
        this.#event('approval_requested', asked.approval);
        return asked.approval;
      case 'pending':
        return asked.approval;
      case 'limited':
        throw new MandateError(
          'rate_limited',
          `this agent has ${max} approvals pending, its limit (approvals.max_pending_per_agent); wait for an operator to decide one or for the oldest to expire`,
          { retryAfter: Math.max(1, Math.ceil((asked.oldestExpiresAt - now) / 1000)) },
        );
    }
  }

  /**
   * The approval an agent presents, if it is this agent's and approved, unused and unexpired;
   * else the refusal RFC 8628 names for its state. Unknown and not-yours look the same.
   */
  async presented(id: string, agentId: string): Promise<Approval> {
    const approval = await this.#o.store.get(id);
    if (!approval || approval.agentId !== agentId)
      throw new MandateError('invalid_grant', 'approval_id is not known');
    switch (effectiveState(approval, this.#o.clock.now())) {
      case 'approved':
        return approval;
      case 'pending':
        throw new MandateError('authorization_pending', `approval ${id} is still pending`, {
          details: { approval_id: id },
        });
      case 'expired':
        throw new MandateError('expired_token', `approval ${id} has expired; ask again`);
      case 'denied':
        throw new MandateError('access_denied', `an operator denied approval ${id}`);
      case 'consumed':
        throw new MandateError('invalid_grant', `approval ${id} was already used`);
    }
  }

  /**
   * Refuses with `invalid_grant` naming the field unless the request is, in every field the
   * approver was shown, the one approved.
   */
  assertBound(approval: Approval, request: Omit<ApprovalSubject, 'agentId' | 'ttlSeconds'>): void {
    const field = differingField(approval, request);
    if (field !== null)
      throw new MandateError(
        'invalid_grant',
        `approval ${approval.id} was given for a different ${field}; repeat the exact request that was approved`,
      );
  }

  /** Uses the approval up; of concurrent exchanges presenting it, exactly one gets through. */
  async consume(approval: Approval): Promise<void> {
    const result = await this.#o.store.consume(approval.id, this.#o.clock.now());
    if (!result.ok) {
      throw result.reason === 'expired'
        ? new MandateError('expired_token', `approval ${approval.id} has expired; ask again`)
        : new MandateError('invalid_grant', `approval ${approval.id} was already used`);
    }
    this.#event('approval_consumed', result.approval);
  }

  /** An operator approves or denies a pending approval. */
  async decide(id: string, verdict: OperatorVerdict): Promise<Approval> {
    const state = verdict.decision === 'approve' ? 'approved' : 'denied';
    const at = this.#o.clock.now();
    const result = await this.#o.store.decide(id, {
      state,
      by: verdict.by,
      reason: verdict.reason,
      at,
    });
    if (!result.ok) {
      if (result.reason === 'not_found') throw new MandateError('not_found', `no approval ${id}`);
      const now = effectiveState(result.approval, at);
      throw new MandateError('conflict', `approval ${id} is ${now}, not pending`);
    }
    this.#event(state === 'approved' ? 'approval_approved' : 'approval_denied', result.approval);
    return result.approval;
  }

  /** One approval, or `not_found`. */
  async get(id: string): Promise<Approval> {
    const approval = await this.#o.store.get(id);
    if (!approval) throw new MandateError('not_found', `no approval ${id}`);
    return approval;
  }

  /**
   * One page of retained approvals, in the order they expire (oldest first), optionally only
   * those in `state` as seen now; `cursor` is a page's `next`, opaque to the caller.
   */
  async page(query: {
    state?: ApprovalState;
    limit: number;
    cursor?: string;
  }): Promise<{ approvals: readonly Approval[]; next?: string }> {
    const page = await this.#o.store.page({
      limit: query.limit,
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor) } : {}),
    });
    return page.next
      ? { approvals: page.approvals, next: encodeCursor(page.next) }
      : { approvals: page.approvals };
  }

  /** How many approvals wait for an operator now (the pending-approvals gauge). */
  countPending(): Promise<number> {
    return this.#o.store.countPending();
  }

  /** The current time, so views can show the effective state. */
  now(): number {
    return this.#o.clock.now();
  }

  #event(event: ApprovalEvent['event'], approval: Approval): void {
    this.#o.metrics.approvals.inc({ event: approvalMetricEvent(event) });
    this.#o.audit.record({
      event,
      approval_id: approval.id,
      agent: approval.agentId,
      task: approval.taskId,
      audience: approval.audience,
      scopes: approval.scopes,
      tier: approval.tier,
      ...(approval.decidedBy !== undefined ? { operator: approval.decidedBy } : {}),
      ...(approval.reason !== undefined ? { reason: approval.reason } : {}),
    });
  }
}

/** A page position as the opaque `cursor` operators pass back. */
function encodeCursor(position: ApprovalPosition): string {
  return Buffer.from(`${position.expiresAt}.${position.id}`).toString('base64url');
}

/** The position a `cursor` names; `invalid_request` when it is not one this broker made. */
function decodeCursor(cursor: string): ApprovalPosition {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,128})$/.exec(
    Buffer.from(cursor, 'base64url').toString(),
  );
  if (!match) throw new MandateError('invalid_request', 'cursor: not a cursor this broker gave');
  return { expiresAt: Number(match[1]), id: match[2]! };
}
