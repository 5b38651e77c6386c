import { pino } from 'pino';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { StdoutAuditSink } from '../../src/audit/stdout-sink.js';

const clock = { now: () => Date.UTC(2026, 0, 1) };
const logger = pino({ level: 'silent' });

describe('the audit trail', () => {
  it('fails a record a sink never takes (a stalled stdout pipe) instead of waiting for it', async () => {
    // a writer whose callback never comes: a pipe nobody reads
    const stalled = new StdoutAuditSink({ write: () => false });
    const failures: string[] = [];
    const trail = await AuditTrail.open({
      instance: 'b-1',
      sinks: [stalled],
      clock,
      logger,
      onFailure: (sink) => failures.push(sink),
      appendTimeoutMs: 20,
    });
    await expect(
      trail.write({ event: 'task_completed', agent: 'a', task: 'T-1', revoked: 0 }),
    ).rejects.toThrow('audit sink stdout failed');
    expect(failures).toEqual(['stdout']);
    expect(trail.health()).toEqual([{ sink: 'stdout', ok: false, failures: 1 }]);
  });
});
