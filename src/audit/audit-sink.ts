import type { AuditRecord, ChainHead } from './audit-record.js';

/** The kinds of audit sink (`audit.sinks[].type`), a label of the write-failure metric. */
export const AUDIT_SINK_KINDS = ['file', 'stdout', 'redis'] as const;

/** One of {@link AUDIT_SINK_KINDS}. */
export type AuditSinkKind = (typeof AUDIT_SINK_KINDS)[number];

/** Where audit records are written: a file, stdout, a Redis stream. */
export interface AuditSink {
  readonly kind: AuditSinkKind;
  /** Appends one record (its JSON line, newline excluded); resolves once written, in order. */
  append(record: AuditRecord, line: string): Promise<void>;
  /** The last record `instance` wrote here, so a restarted broker continues its chain. */
  head(instance: string): Promise<ChainHead | null>;
  /** Flushes what is pending and releases the sink. */
  close(): Promise<void>;
}

/** How a sink is doing, as `/readyz` reports it. */
export interface AuditSinkHealth {
  readonly sink: AuditSinkKind;
  /** False from a failed write until the next write that succeeds. */
  readonly ok: boolean;
  /** Writes that failed since the broker started. */
  readonly failures: number;
}

/** The chain head a parsed record names, when it is a record of `instance`. */
export function headOf(parsed: unknown, instance: string): ChainHead | null {
  if (typeof parsed !== 'object' || parsed === null) return null;
  const r = parsed as Record<string, unknown>;
  if (r.instance !== instance || typeof r.seq !== 'number' || typeof r.hash !== 'string')
    return null;
  return { seq: r.seq, hash: r.hash };
}
