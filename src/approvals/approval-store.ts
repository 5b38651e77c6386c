import type { Approval, ApprovalState, StoredApprovalState } from './approval.js';

/** Result of a state change: done, or why not (with the approval as it is, when it exists). */
export type TransitionResult =
  | { readonly ok: true; readonly approval: Approval }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'wrong_state' | 'expired'; readonly approval: Approval };

/** What asking for an approval did. */
export type AskResult =
  /** A new pending approval was stored. */
  | { readonly outcome: 'created'; readonly approval: Approval }
  /** The same request is already pending: that approval, unchanged. */
  | { readonly outcome: 'pending'; readonly approval: Approval }
  /** The agent has `maxPending` approvals pending; the oldest expires at `oldestExpiresAt` (ms). */
  | { readonly outcome: 'limited'; readonly oldestExpiresAt: number };

/** How {@link ApprovalStore.ask} bounds and deduplicates. */
export interface AskOptions {
  /** Same agent, task and every bound field: the same fingerprint ({@link approvalFingerprint}). */
  readonly fingerprint: string;
  /** Approvals one agent may have pending at once. */
  readonly maxPending: number;
}

/** Where a page starts: just after this approval, in (expiresAt, id) order. */
export interface ApprovalPosition {
  readonly expiresAt: number;
  readonly id: string;
}

/** One page of approvals, and where the next starts when there is more. */
export interface ApprovalPage {
  readonly approvals: readonly Approval[];
  readonly next?: ApprovalPosition;
}

/** Which page: approvals in `state` as seen now (all retained when absent), after a position. */
export interface PageQuery {
  readonly state?: ApprovalState;
  readonly limit: number;
  readonly after?: ApprovalPosition;
}

/**
 * Approvals shared by every broker replica. Each change is atomic: an agent's pending approvals
 * stay under their bound, a pending approval is decided once, an approved one is consumed once.
 * Records stay readable for a retention time after they expire, so an agent learns `expired`
 * rather than "unknown". No call's work grows with the number of approvals retained.
 * Implementations: memory and Redis; both pass test/approvals/approval-store.contract.ts.
 */
export interface ApprovalStore {
  /**
   * Stores a new pending approval, unless the same request is pending already (that one is
   * returned) or its agent has `maxPending` pending (refused, saying when the oldest expires).
   */
  ask(approval: Approval, options: AskOptions): Promise<AskResult>;
  /** The approval, or null when unknown (or past retention). */
  get(id: string): Promise<Approval | null>;
  /** pending -> approved | denied, only while not expired. */
  decide(id: string, verdict: Verdict): Promise<TransitionResult>;
  /** approved -> consumed, only while not expired: the one use of an approval. */
  consume(id: string, at: number): Promise<TransitionResult>;
  /** A page of retained approvals in the order they expire (oldest first), optionally by state. */
  page(query: PageQuery): Promise<ApprovalPage>;
  /** How many approvals are pending now, of every agent. */
  countPending(): Promise<number>;
}

/** An operator's verdict on a pending approval. */
export interface Verdict {
  readonly state: 'approved' | 'denied';
  readonly by: string;
  readonly reason: string;
  /** ms since the epoch. */
  readonly at: number;
}

/** The stored states whose approvals are in `state` as seen at some moment. */
export function storedStatesOf(state: ApprovalState): readonly StoredApprovalState[] {
  return state === 'expired' ? ['pending', 'approved'] : [state];
}
