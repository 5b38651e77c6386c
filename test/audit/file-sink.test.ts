import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { FileAuditSink } from '../../src/audit/file-sink.js';
import { verifyTrail, type TrailLine } from '../../src/audit/verify-trail.js';

const clock = { now: () => Date.UTC(2026, 0, 1) };
const logger = pino({ level: 'silent' });

function linesOf(files: string[]): TrailLine[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((text, i) => ({ file, line: i + 1, text })),
  );
}

async function trailOn(path: string): Promise<AuditTrail> {
  const sink = await FileAuditSink.open({ path, maxBytes: 2048, keep: 2 });
  return AuditTrail.open({ instance: 'b-1', sinks: [sink], clock, logger, onFailure: () => {} });
}

describe('the file sink', () => {
  it('rotates by size, keeps `keep` files, and the rotated files verify oldest first', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mandate-audit-')), 'audit.jsonl');
    const trail = await trailOn(path);
    for (let i = 0; i < 40; i += 1)
      await trail.write({ event: 'task_completed', agent: 'a', task: `T-${i}`, revoked: 0 });
    await trail.close();

    expect(existsSync(`${path}.1`) && existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of [path, `${path}.1`, `${path}.2`])
      expect(statSync(f).size).toBeLessThanOrEqual(2048);
    const files = [`${path}.2`, `${path}.1`, path];
    // The oldest records are gone with the dropped file: the chain begins mid-way.
    expect((await verifyTrail(linesOf(files))).problem?.message).toMatch(/begins at seq \d+/);
    const report = await verifyTrail(linesOf(files), { partial: true });
    expect(report.problem).toBeUndefined();
    expect(report.chains[0]!.last).toBe(40);
  });

  it('continues the chain after a restart, from the rotated file when the current one is new', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mandate-audit-')), 'audit.jsonl');
    const first = await trailOn(path);
    for (let i = 0; i < 12; i += 1)
      await first.write({ event: 'task_completed', agent: 'a', task: `T-${i}`, revoked: 0 });
    await first.close();
    const second = await trailOn(path);
    expect(second.head?.seq).toBe(12);
    await second.write({ event: 'task_completed', agent: 'a', task: 'T-after', revoked: 0 });
    await second.close();
    const files = [`${path}.2`, `${path}.1`, path].filter((f) => existsSync(f));
    const report = await verifyTrail(linesOf(files), { partial: true });
    expect(report.problem).toBeUndefined();
    expect(report.chains[0]!.last).toBe(13);
  });
});
