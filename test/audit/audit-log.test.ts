import { boundedAudit, createLoggerAudit } from '../../src/audit/audit-log.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { captureLogs } from '../support/log-capture.js';

describe('createLoggerAudit', () => {
  it('writes each event as one JSON line tagged audit, named by its event', () => {
    const { lines, logger } = captureLogs();
    const audit = createLoggerAudit(logger);
    audit.record({ event: 'task_completed', agent: 'a', task: 't', revoked: 2 });
    audit.record({
      event: 'operator_action',
      operator: 'alice',
      action: 'unblock_agent',
      agent: 'a',
      was_blocked: false,
    });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 30,
        audit: true,
        msg: 'task_completed',
        event: 'task_completed',
        agent: 'a',
        task: 't',
        revoked: 2,
      }),
      expect.objectContaining({
        level: 30,
        audit: true,
        msg: 'operator_action',
        operator: 'alice',
        action: 'unblock_agent',
        was_blocked: false,
      }),
    ]);
  });

  it('writes a loop trip at warn, so it stands out', () => {
    const { lines, logger } = captureLogs();
    createLoggerAudit(logger).record({
      event: 'loop_tripped',
      agent: 'a',
      task: 't',
      rule: 'max_grants',
      count: 21,
      limit: 20,
      window_seconds: null,
      revoked: 20,
      halted_tasks: 1,
      blocked_until: null,
    });
    expect(lines()).toEqual([expect.objectContaining({ level: 40, event: 'loop_tripped' })]);
  });
});

describe('MemoryAuditLog', () => {
  it('keeps events in order and picks them by name', () => {
    const audit = new MemoryAuditLog();
    audit.record({ event: 'token_exchange', outcome: 'refused', error: 'invalid_request' });
    audit.record({ event: 'task_completed', agent: 'a', task: 't', revoked: 0 });
    audit.record({ event: 'token_exchange', outcome: 'granted', jti: 'g1' });
    expect(audit.events.map((e) => e.event)).toEqual([
      'token_exchange',
      'task_completed',
      'token_exchange',
    ]);
    expect(audit.of('token_exchange').map((e) => e.outcome)).toEqual(['refused', 'granted']);
  });
});

describe('boundedAudit', () => {
  it('bounds what a writer records before any sink sees it', () => {
    const sink = new MemoryAuditLog();
    boundedAudit(sink).record({
      event: 'token_exchange',
      outcome: 'refused',
      audience: 'a'.repeat(16 * 1024),
      scopes: Array.from({ length: 40 }, (_, i) => `s${i}:${'x'.repeat(1000)}`),
      reason: `unknown audience "${'a'.repeat(16 * 1024)}"`,
    });
    const [event] = sink.of('token_exchange');
    // 512: the longest legitimate value (a purpose) fits whole; an attacker's 16 KiB does not.
    expect(event!.audience).toHaveLength(512);
    expect(event!.audience).toMatch(/^a+…\[cut 15890 chars\]$/);
    expect(event!.reason).toHaveLength(512);
    expect(event!.scopes).toHaveLength(33);
    expect(event!.scopes!.at(-1)).toBe('…[cut 8 items]');
    expect(event!.scopes!.every((s) => s.length <= 512)).toBe(true);
  });

  it('leaves an ordinary event as it was', () => {
    const sink = new MemoryAuditLog();
    const event = {
      event: 'token_exchange',
      outcome: 'granted',
      agent: 'spiffe://test.example/agent/triage',
      audience: 'https://tickets.example',
      scopes: ['tickets:read', 'tickets:write'],
      jti: 'g1',
    } as const;
    boundedAudit(sink).record(event);
    expect(sink.events).toEqual([event]);
  });
});
