import type { Clock } from '../platform/clock.js';
import { effectiveState, type Approval, type StoredApprovalState } from './approval.js';
import type {
  ApprovalPage,
  ApprovalStore,
  AskOptions,
  AskResult,
  PageQuery,
  TransitionResult,
  Verdict,
} from './approval-store.js';

/**
 * Approvals in process memory: one broker process only (dev, tests). Records are dropped
 * `retentionMs` after they expire.
 *
 * @example
 * const store = new MemoryApprovalStore({ clock: systemClock, retentionMs: 3_600_000 });
 */
export class MemoryApprovalStore implements ApprovalStore {
  readonly #approvals = new Map<string, Approval>();
  /** Fingerprint -> id of the approval last asked with it. */
  readonly #asked = new Map<string, string>();
  readonly #clock: Clock;
  readonly #retentionMs: number;

  constructor(options: { clock: Clock; retentionMs: number }) {
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs;
  }

  ask(approval: Approval, options: AskOptions): Promise<AskResult> {
    this.#purge();
    const now = this.#clock.now();
    const same = this.#approvals.get(this.#asked.get(options.fingerprint) ?? '');
    if (same && effectiveState(same, now) === 'pending')
      return Promise.resolve({ outcome: 'pending', approval: same });
    const pending = [...this.#approvals.values()].filter(
      (a) => a.agentId === approval.agentId && effectiveState(a, now) === 'pending',
    );
    if (pending.length >= options.maxPending)
      return Promise.resolve({
        outcome: 'limited',
        oldestExpiresAt: Math.min(...pending.map((a) => a.expiresAt)),
      });
    this.#approvals.set(approval.id, approval);
    this.#asked.set(options.fingerprint, approval.id);
    return Promise.resolve({ outcome: 'created', approval });
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

  page(query: PageQuery): Promise<ApprovalPage> {
    this.#purge();
    const now = this.#clock.now();
    const after = query.after;
    const matching = [...this.#approvals.values()]
      .filter((a) => query.state === undefined || effectiveState(a, now) === query.state)
      .filter(
        (a) =>
          !after ||
          a.expiresAt > after.expiresAt ||
          (a.expiresAt === after.expiresAt && a.id > after.id),
      )
      .sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const approvals = matching.slice(0, query.limit);
    const last = approvals.at(-1);
    return Promise.resolve(
      matching.length > query.limit && last
        ? { approvals, next: { expiresAt: last.expiresAt, id: last.id } }
        : { approvals },
    );
  }

  countPending(): Promise<number> {
    const now = this.#clock.now();
    let count = 0;
    for (const a of this.#approvals.values()) if (effectiveState(a, now) === 'pending') count++;
    return Promise.resolve(count);
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
    for (const [fingerprint, id] of this.#asked)
      if (!this.#approvals.has(id)) this.#asked.delete(fingerprint);
  }
}
