import type { Logger } from '../platform/logger.js';

/** One audited decision. Carries hashes and ids, never a token. */
export interface AuditEvent {
  readonly event: 'token_exchange';
  readonly outcome: 'granted' | 'refused';
  readonly agent?: string;
  readonly task?: string;
  readonly audience?: string;
  readonly scopes?: readonly string[];
  readonly tier?: string;
  readonly jti?: string;
  readonly subjectTokenSha256?: string;
  readonly policyIds?: readonly string[];
  /** The error code of a refusal. */
  readonly error?: string;
  readonly reason?: string;
}

/** Where audit events go. */
export interface AuditLog {
  record(event: AuditEvent): void;
}

/** Writes audit events as JSON lines through the process logger, tagged `audit: true`. */
export function createLoggerAudit(logger: Logger): AuditLog {
  const audit = logger.child({ audit: true });
  return { record: (event) => audit.info(event, event.event) };
}
