import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.js';

/** The mark every audit line carries first, so collectors can route it (`"mandate_audit":1`). */
export const AUDIT_MARK = 'mandate_audit';

/** Where a chain stands: the last record's sequence number and hash. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * A signed checkpoint (`audit_checkpoint`): the chain head at the time, signed with the
 * broker's signing key (JWS), so a verifier trusts the events up to it without trusting storage.
 */
export interface CheckpointEvent {
  readonly event: 'audit_checkpoint';
  /** The head the signature covers (an earlier record of this chain). */
  readonly head: ChainHead;
  /** Compact JWS over `{instance, seq, hash, iat}`, signed by the broker's active key. */
  readonly jws: string;
}

/** What the chain adds to every event, before its own hash. */
export interface ChainFields {
  readonly [AUDIT_MARK]: 1;
  /** The broker instance whose chain this is (one chain per instance). */
  readonly instance: string;
  /** 1, 2, 3, ... within the instance's chain. */
  readonly seq: number;
  /** The previous record's hash in this chain; null for the first. */
  readonly prev: string | null;
  /** When it was recorded (RFC 3339, ms). */
  readonly time: string;
}

/** One line of the audit trail: an event, its place in its chain, and its own hash. */
export type AuditRecord = ChainFields &
  (AuditEvent | CheckpointEvent) & {
    /** sha256 (hex) of {@link canonicalJson} of every other member. */
    readonly hash: string;
  };

/**
 * JSON with object keys sorted at every level: one serialisation per value, so a hash over it
 * does not depend on the order members were written in.
 *
 * @example
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  // Built by concatenation, keys sorted by UTF-16 code units (Array#sort's default order): it
  // runs on every audit record, on the exchange's path.
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      // what JSON.stringify leaves undefined (undefined, a function) joins as nothing
      const item = canonicalJson(value[i]) as string | undefined;
      out += item ?? '';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/**
 * The hash of a record: sha256 (hex) over the canonical JSON of all its members but `hash`.
 *
 * @example
 * recordHash(record) === record.hash; // unless the line was changed
 */
export function recordHash(record: Record<string, unknown>): string {
  const rest = { ...record };
  delete rest.hash;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}
