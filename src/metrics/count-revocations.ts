import type { AuditEvent } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics, RevocationSource } from './metrics.js';

/**
 * Wraps the audit log so that every audited revocation also counts its revoked grants in
 * `mandate_revoked_grants_total{source}`. Every revocation is audited with the number of grants
 * it killed, so counting there covers each source in one place, after the store has done it.
 *
 * @example
 * const audit = countRevocations(createLoggerAudit(logger), metrics);
 */
export function countRevocations(
  audit: AuditLog,
  metrics: Pick<Metrics, 'revokedGrants'>,
): AuditLog {
  const count = (event: AuditEvent) => {
    const revoked = revokedBy(event);
    if (revoked && revoked.count > 0)
      metrics.revokedGrants.inc({ source: revoked.source }, revoked.count);
  };
  return {
    record: (event) => {
      audit.record(event);
      count(event);
    },
    write: async (event) => {
      await audit.write(event);
      count(event);
    },
  };
}

/** The revocation an event reports, if any. */
function revokedBy(event: AuditEvent): { source: RevocationSource; count: number } | undefined {
  switch (event.event) {
    case 'token_revoked':
      return { source: 'agent', count: event.revoked };
    case 'task_completed':
      return { source: 'task_completed', count: event.revoked };
    case 'loop_tripped':
      return { source: 'loop_rule', count: event.revoked };
    case 'operator_action':
      return 'revoked' in event ? { source: 'operator', count: event.revoked ?? 0 } : undefined;
    case 'token_exchange':
    case 'txn_token_issued':
    case 'aws_sessions_denied':
    case 'aws_deny_pruned':
    case 'approval_requested':
    case 'approval_approved':
    case 'approval_denied':
    case 'approval_consumed':
      return undefined;
  }
}
