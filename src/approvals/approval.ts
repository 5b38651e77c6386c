import { createHash, randomBytes } from 'node:crypto';
import type { ScopeClass, Sensitivity } from '../intent/tiers.js';

/** Where an approval is in its life. `expired` is never stored: it is read off the clock. */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'consumed' | 'expired';

/** The states an approval is stored in. */
export type StoredApprovalState = Exclude<ApprovalState, 'expired'>;

/**
 * The exchange an approval was asked for, every field of it the approver is shown; the approval
 * is good for exactly this (scopes as a set, targets as the list they are).
 */
export interface ApprovalSubject {
  readonly agentId: string;
  readonly taskId: string;
  /** Resource name from the catalogue. */
  readonly resource: string;
  readonly audience: string;
  /** The scopes to approve, in request order: on a partial resource, only those policy allows once approved. */
  readonly scopes: readonly string[];
  readonly tier: ScopeClass;
  /** The data sensitivity the request is handled at (the resource's, or higher if declared). */
  readonly sensitivity: Sensitivity;
  readonly purpose: string;
  readonly targets: readonly string[];
  /** The lifetime the agent asked for (`requested_ttl`), seconds; absent: the tier's. */
  readonly requestedTtlSeconds?: number;
  /** The longest lifetime a token issued on this approval may have, seconds. */
  readonly ttlSeconds: number;
}

/** The fields an approval binds, in the order a mismatch is reported, as the wire names them. */
export const BOUND_FIELDS = [
  ['taskId', 'task_id'],
  ['resource', 'resource'],
  ['audience', 'audience'],
  ['scopes', 'scope'],
  ['tier', 'tier'],
  ['sensitivity', 'sensitivity'],
  ['purpose', 'intent.purpose'],
  ['targets', 'intent.targets'],
  ['requestedTtlSeconds', 'requested_ttl'],
] as const satisfies readonly (readonly [keyof ApprovalSubject, string])[];

/**
 * The first bound field in which `request` differs from what was approved, by its wire name, or
 * null when it is the same request. Scopes compare as a set; the agent is checked before this.
 */
export function differingField(
  approved: ApprovalSubject,
  request: Omit<ApprovalSubject, 'agentId' | 'ttlSeconds'>,
): string | null {
  for (const [field, wire] of BOUND_FIELDS) {
    const a = approved[field];
    const b = request[field];
    const same =
      field === 'scopes'
        ? sameSet(approved.scopes, request.scopes)
        : Array.isArray(a) && Array.isArray(b)
          ? a.length === b.length && a.every((x, i) => x === b[i])
          : a === b;
    if (!same) return wire;
  }
  return null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((s) => right.has(s));
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

/**
 * The same request asked again (same agent, task and every bound field) has the same
 * fingerprint, so an identical re-ask finds the approval still pending instead of adding one.
 */
export function approvalFingerprint(subject: ApprovalSubject): string {
  const bound = BOUND_FIELDS.map(([field]) =>
    field === 'scopes' ? [...new Set(subject.scopes)].sort() : (subject[field] ?? null),
  );
  return createHash('sha256')
    .update(JSON.stringify([subject.agentId, ...bound]))
    .digest('base64url');
}
