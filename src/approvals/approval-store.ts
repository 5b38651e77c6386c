import type { Approval, StoredApprovalState } from './approval.js';

/** Result of a state change: done, or why not (with the approval as it is, when it exists). */
export type TransitionResult =
  | { readonly ok: true; readonly approval: Approval }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'wrong_state' | 'expired'; readonly approval: Approval };

/** An operator's verdict on a pending approval. */
export interface Verdict {
  readonly state: 'approved' | 'denied';
  readonly by: string;
  readonly reason: string;
  /** ms since the epoch. */
  readonly at: number;
}

/**
 * Approvals shared by every broker replica. Each state change is atomic: a pending approval
 * is decided once, an approved one is consumed once. Records stay readable for a retention
 * time after they expire, so an agent learns `expired` rather than "unknown". Implementations:
 * memory and Redis; both pass test/approvals/approval-store.contract.ts.
 */
export interface ApprovalStore {
  /** Stores a new pending approval. */
  create(approval: Approval): Promise<void>;
  /** The approval, or null when unknown (or past retention). */
  get(id: string): Promise<Approval | null>;
  /** pending -> approved | denied, only while not expired. */
  decide(id: string, verdict: Verdict): Promise<TransitionResult>;
  /** approved -> consumed, only while not expired: the one use of an approval. */
  consume(id: string, at: number): Promise<TransitionResult>;
  /** Approvals still retained, optionally only those stored in `state`, oldest first. */
  list(filter?: { state?: StoredApprovalState }): Promise<Approval[]>;
}
