import { randomBytes } from 'node:crypto';
import type { ScopeClass } from '../intent/tiers.js';

/** Where an approval is in its life. `expired` is never stored: it is read off the clock. */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'consumed' | 'expired';

/** The states an approval is stored in. */
export type StoredApprovalState = Exclude<ApprovalState, 'expired'>;

/** The exchange an approval was asked for; the approval is good for exactly this. */
export interface ApprovalSubject {
  readonly agentId: string;
  readonly taskId: string;
  /** Resource name from the catalogue. */
  readonly resource: string;
  readonly audience: string;
  /** The scopes asked for, in request order. */
  readonly scopes: readonly string[];
  readonly tier: ScopeClass;
  readonly purpose: string;
  readonly targets: readonly string[];
}

/** An approval as stored. Times are ms since the epoch. */
export interface Approval extends ApprovalSubject {
  readonly id: string;
  readonly state: StoredApprovalState;
  readonly createdAt: number;
  /** After this, a pending or approved approval is expired. */
  readonly expiresAt: number;
  /** The operator (API key name) who approved or denied. */
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly reason?: string;
  readonly consumedAt?: number;
}

/** The state an operator or agent sees at `now`. */
export function effectiveState(approval: Approval, now: number): ApprovalState {
  const open = approval.state === 'pending' || approval.state === 'approved';
  return open && now >= approval.expiresAt ? 'expired' : approval.state;
}

/** A new random approval id (`apr_` + 128 bits), unguessable like a grant id. */
export function newApprovalId(): string {
  return `apr_${randomBytes(16).toString('base64url')}`;
}
