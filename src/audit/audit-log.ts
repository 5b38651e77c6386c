import { boundForLog } from '../platform/bound-for-log.js';
import type { Logger } from '../platform/logger.js';
import type { AuditEvent, AuditEventName } from './audit-event.js';

/** Where every audited event goes: the one port of the audit trail. */
export interface AuditLog {
  record(event: AuditEvent): void;
}

/** Events an operator should notice without searching for them: written at `warn`. */
const WARN_EVENTS: ReadonlySet<AuditEventName> = new Set(['loop_tripped']);

/**
 * Writes audit events as JSON lines through the process logger, tagged `audit: true`, with the
 * event name as the message.
 *
 * @example
 * const audit = createLoggerAudit(logger);
 * audit.record({ event: 'task_completed', agent, task, revoked: 2 });
 */
export function createLoggerAudit(logger: Logger): AuditLog {
  const audit = logger.child({ audit: true });
  return {
    record: (event) => {
      if (WARN_EVENTS.has(event.event)) audit.warn(event, event.event);
      else audit.info(event, event.event);
    },
  };
}

/**
 * The audit log every writer is given: `audit` with each event bounded first (strings to 256
 * characters, lists to 32 items; platform/bound-for-log.ts), so no sink, the process logger or
 * an embedder's, receives a 16 KiB audience or scope, whichever writer recorded it.
 *
 * @example
 * const audit = boundedAudit(deps.audit ?? createLoggerAudit(logger));
 */
export function boundedAudit(audit: AuditLog): AuditLog {
  return { record: (event) => audit.record(boundForLog(event)) };
}
