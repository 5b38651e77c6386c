import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLoggerAudit } from '../../src/audit/audit-log.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';

/** A pino logger whose JSON lines land in `lines`. */
function capture(): { lines: Record<string, unknown>[]; logger: pino.Logger } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

describe('createLoggerAudit', () => {
  it('writes each event as one JSON line tagged audit, named by its event', () => {
    const { lines, logger } = capture();
    const audit = createLoggerAudit(logger);
    audit.record({ event: 'task_completed', agent: 'a', task: 't', revoked: 2 });
    audit.record({
      event: 'operator_action',
      operator: 'alice',
      action: 'unblock_agent',
      agent: 'a',
      was_blocked: false,
    });
    expect(lines).toEqual([
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
    const { lines, logger } = capture();
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
    expect(lines).toEqual([expect.objectContaining({ level: 40, event: 'loop_tripped' })]);
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
