import { boundForLog, LOG_BOUNDS } from '../platform/bound-for-log.js';
import type { Logger } from '../platform/logger.js';
import type { AuditEvent, AuditEventName } from './audit-event.js';

/** Where every audited event goes: the one port of the audit trail. */
export interface AuditLog {
  /** Records the event without waiting: a failed write is counted and logged, never thrown. */
  record(event: AuditEvent): void;
  /**
   * Records the event and resolves once every sink holds it; rejects when one could not write
   * it (counted too). The exchange waits on this when `audit.required` is on.
   */
  write(event: AuditEvent): Promise<void>;
}

/** Events an operator should notice without searching for them: written at `warn`. */
const WARN_EVENTS: ReadonlySet<AuditEventName> = new Set(['loop_tripped']);

/**
 * Writes audit events as JSON lines through the process logger, tagged `audit: true`, with the
 * event name as the message: for embedders who want audit in their own log stream (the broker's
 * own sinks are in `audit-trail.ts`).
 *
 * @example
 * const audit = createLoggerAudit(logger);
 * audit.record({ event: 'task_completed', agent, task, revoked: 2 });
 */
export function createLoggerAudit(logger: Logger): AuditLog {
  const audit = logger.child({ audit: true });
  const record = (event: AuditEvent) => {
    if (WARN_EVENTS.has(event.event)) audit.warn(event, event.event);
    else audit.info(event, event.event);
  };
  return {
    record,
    write: (event) => {
      record(event);
      return Promise.resolve();
    },
  };
}

/**
 * The audit log every writer is given: `audit` with each event bounded first (strings to 512
 * characters, lists to 32 items; platform/bound-for-log.ts), so no sink, the process logger or
 * an embedder's, receives a 16 KiB audience or scope, whichever writer recorded it.
 *
 * @example
 * const audit = boundedAudit(deps.audit ?? createLoggerAudit(logger));
 */
export function boundedAudit(audit: AuditLog): AuditLog {
  return {
    record: (event) => audit.record(boundForLog(event, LOG_BOUNDS.auditChars)),
    write: (event) => audit.write(boundForLog(event, LOG_BOUNDS.auditChars)),
  };
}
