import type { AuditEvent, AuditEventName, AuditEventOf } from './audit-event.js';
import type { AuditLog } from './audit-log.js';

/**
 * An audit log that keeps events in memory, in order: for tests and embedders that read the
 * trail in process.
 *
 * @example
 * const audit = new MemoryAuditLog();
 * await buildBroker(config, { audit });
 * audit.of('token_revoked'); // typed as TokenRevokedEvent[]
 */
export class MemoryAuditLog implements AuditLog {
  /** Every event recorded, oldest first. */
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): void {
    this.events.push(event);
  }

  /** Records the event; resolves at once (memory does not fail). */
  write(event: AuditEvent): Promise<void> {
    this.record(event);
    return Promise.resolve();
  }

  /** The events named `name`, narrowed to their type. */
  of<N extends AuditEventName>(name: N): AuditEventOf<N>[] {
    return this.events.filter((e): e is AuditEventOf<N> => e.event === name);
  }
}
