import { AuditChain } from '../../src/audit/audit-chain.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { recordHash, type AuditRecord } from '../../src/audit/audit-record.js';
import { checkpointSigner } from '../../src/audit/checkpoint.js';
import { verifyTrail } from '../../src/audit/verify-trail.js';
import { KeyRing } from '../../src/tokens/key-ring.js';

const T0 = Date.UTC(2026, 0, 1);
const event = (i: number): AuditEvent => ({
  event: 'task_completed',
  agent: 'spiffe://test.example/agent/a',
  task: `T-${i}`,
  revoked: i,
});

/** A trail of `n` events of instance `b-1` with a signed checkpoint after the 5th, as lines. */
async function trail(keyRing: KeyRing, n = 8): Promise<string[]> {
  const chain = new AuditChain({ instance: 'b-1', head: null });
  const sign = checkpointSigner(keyRing.active);
  const records: AuditRecord[] = [];
  for (let i = 1; i <= n; i += 1) {
    records.push(chain.append(event(i), T0 + i));
    if (i === 5) {
      const head = chain.head!;
      const jws = await sign({ instance: 'b-1', seq: head.seq, hash: head.hash, iat: 1 });
      records.push(chain.append({ event: 'audit_checkpoint', head, jws }, T0 + i));
    }
  }
  return records.map((r) => JSON.stringify(r));
}

const verify = (lines: readonly string[], options = {}) =>
  verifyTrail(
    lines.map((text, i) => ({ file: 'audit.jsonl', line: i + 1, text })),
    options,
  );

/** The record on `line` (1-based), changed by `change`, its hash left as it was or recomputed. */
function edit(
  lines: string[],
  line: number,
  change: (r: Record<string, unknown>) => void,
  rehash = false,
): string[] {
  const record = JSON.parse(lines[line - 1]!) as Record<string, unknown>;
  change(record);
  if (rehash) record.hash = recordHash(record);
  return lines.map((l, i) => (i === line - 1 ? JSON.stringify(record) : l));
}

describe('mandate audit verify: a trail and each kind of tampering', () => {
  let keys: KeyRing;
  let lines: string[];
  beforeAll(async () => {
    keys = await KeyRing.ephemeral('ES256');
    lines = await trail(keys);
  });

  it('accepts an untouched trail and checks its checkpoint signature', async () => {
    const report = await verify(lines, { jwks: keys.jwks() });
    expect(report.problem).toBeUndefined();
    expect(report.records).toBe(9);
    expect(report.chains).toEqual([
      { instance: 'b-1', first: 1, last: 9, checkpoints: 1, signedUpTo: 5 },
    ]);
  });

  it('catches an edited record and names its line', async () => {
    const report = await verify(edit(lines, 3, (r) => (r.revoked = 0)));
    expect(report.problem).toEqual({
      file: 'audit.jsonl',
      line: 3,
      message: expect.stringMatching(/seq 3 of b-1 was altered/) as string,
    });
  });

  it('catches an edited record whose hash was recomputed: the next one no longer chains', async () => {
    const report = await verify(edit(lines, 3, (r) => (r.revoked = 0), true));
    expect(report.problem).toMatchObject({
      line: 4,
      message: expect.stringMatching(/seq 4 does not chain to seq 3/) as string,
    });
  });

  it('catches a deleted record: the gap and where it is', async () => {
    const report = await verify(lines.filter((_, i) => i !== 2));
    expect(report.problem).toMatchObject({
      line: 3,
      message: expect.stringMatching(/seq 4 follows seq 2 .*1 record\(s\) missing/) as string,
    });
  });

  it('catches two records swapped', async () => {
    const swapped = [...lines];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    const report = await verify(swapped);
    expect(report.problem).toMatchObject({
      line: 2,
      message: expect.stringMatching(/seq 3 follows seq 1/) as string,
    });
    const back = await verify([...lines.slice(0, 3), lines[1]!, ...lines.slice(3)]);
    expect(back.problem).toMatchObject({
      line: 4,
      message: expect.stringMatching(/seq 2 comes after seq 3 .*reordered or repeated/) as string,
    });
  });

  it('catches an inserted record, even one hashed and chained like the real ones', async () => {
    const forged = JSON.parse(lines[1]!) as Record<string, unknown>;
    forged.task = 'T-forged';
    forged.hash = recordHash(forged);
    const report = await verify([lines[0]!, lines[1]!, JSON.stringify(forged), ...lines.slice(2)]);
    expect(report.problem).toMatchObject({
      line: 3,
      message: expect.stringMatching(/seq 2/) as string,
    });
  });

  it('catches a trail cut short mid-line, and one missing its beginning', async () => {
    const cut = [...lines.slice(0, 6), lines[6]!.slice(0, 40)];
    expect((await verify(cut)).problem).toMatchObject({
      line: 7,
      message: expect.stringMatching(/not a JSON line/) as string,
    });
    expect((await verify(lines.slice(2))).problem).toMatchObject({
      line: 1,
      message: expect.stringMatching(
        /b-1 begins at seq 3: the records before it are missing/,
      ) as string,
    });
    expect((await verify(lines.slice(2), { partial: true })).problem).toBeUndefined();
  });

  it('catches a rewritten trail whose checkpoint no longer matches, and a forged checkpoint', async () => {
    // Records 1-5 rewritten (seq 3 changed) and re-chained, consistent hashes throughout; the
    // attacker copies the original checkpoint's signature onto the new head.
    const original = JSON.parse(lines[5]!) as { jws: string };
    const chain = new AuditChain({ instance: 'b-1', head: null });
    const rewritten = [1, 2, 3, 4, 5].map((i) =>
      JSON.stringify(chain.append({ ...event(i), ...(i === 3 ? { revoked: 0 } : {}) }, T0 + i)),
    );
    const checkpoint = chain.append(
      { event: 'audit_checkpoint', head: chain.head!, jws: original.jws },
      T0 + 5,
    );
    const report = await verify([...rewritten, JSON.stringify(checkpoint)], {
      jwks: keys.jwks(),
    });
    expect(report.problem).toMatchObject({
      line: 6,
      message: expect.stringMatching(/signed head .* is not the head it names: forged/) as string,
    });
    // Without the keys, the rewrite is consistent: only a signature vouches for a trail.
    expect((await verify([...rewritten, JSON.stringify(checkpoint)])).problem).toBeUndefined();

    const other = await KeyRing.ephemeral('ES256');
    const foreign = await trail(other);
    const signedElsewhere = await verify(foreign, { jwks: keys.jwks() });
    expect(signedElsewhere.problem).toMatchObject({
      line: 6,
      message: expect.stringMatching(/checkpoint signature does not verify .*forged/) as string,
    });
  });

  it('keeps one chain per instance when instances interleave in one file', async () => {
    const a = new AuditChain({ instance: 'a', head: null });
    const b = new AuditChain({ instance: 'b', head: null });
    const mixed = [a, b, b, a, b].map((c, i) => JSON.stringify(c.append(event(i), T0 + i)));
    const report = await verify(mixed);
    expect(report.problem).toBeUndefined();
    expect(report.chains.map((c) => [c.instance, c.last])).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });
});
