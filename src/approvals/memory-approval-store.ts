import type { Clock } from '../platform/clock.js';
import type { Approval, StoredApprovalState } from './approval.js';
import type { ApprovalStore, TransitionResult, Verdict } from './approval-store.js';

/**
 * Approvals in process memory: one broker process only (dev, tests). Records are dropped
 * `retentionMs` after they expire.
 *
 * @example
 * const store = new MemoryApprovalStore({ clock: systemClock, retentionMs: 3_600_000 });
 */
export class MemoryApprovalStore implements ApprovalStore {
  readonly #approvals = new Map<string, Approval>();
  readonly #clock: Clock;
  readonly #retentionMs: number;

  constructor(options: { clock: Clock; retentionMs: number }) {
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs;
  }

  create(approval: Approval): Promise<void> {
    this.#purge();
    this.#approvals.set(approval.id, approval);
    return Promise.resolve();
  }

  get(id: string): Promise<Approval | null> {
    this.#purge();
    return Promise.resolve(this.#approvals.get(id) ?? null);
  }

  decide(id: string, verdict: Verdict): Promise<TransitionResult> {
    return Promise.resolve(
      this.#transition(id, 'pending', verdict.at, {
        state: verdict.state,
        decidedBy: verdict.by,
        decidedAt: verdict.at,
        reason: verdict.reason,
      }),
    );
  }

  consume(id: string, at: number): Promise<TransitionResult> {
    return Promise.resolve(
      this.#transition(id, 'approved', at, { state: 'consumed', consumedAt: at }),
    );
  }

  list(filter: { state?: StoredApprovalState } = {}): Promise<Approval[]> {
    this.#purge();
    const all = [...this.#approvals.values()].sort((a, b) => a.createdAt - b.createdAt);
    return Promise.resolve(
      filter.state === undefined ? all : all.filter((a) => a.state === filter.state),
    );
  }

  #transition(
    id: string,
    from: StoredApprovalState,
    at: number,
    change: Partial<Approval>,
  ): TransitionResult {
    this.#purge();
    const approval = this.#approvals.get(id);
    if (!approval) return { ok: false, reason: 'not_found' };
    if (approval.state !== from) return { ok: false, reason: 'wrong_state', approval };
    if (at >= approval.expiresAt) return { ok: false, reason: 'expired', approval };
    const next = { ...approval, ...change };
    this.#approvals.set(id, next);
    return { ok: true, approval: next };
  }

  #purge(): void {
    const horizon = this.#clock.now() - this.#retentionMs;
    for (const [id, a] of this.#approvals) if (a.expiresAt <= horizon) this.#approvals.delete(id);
  }
}
