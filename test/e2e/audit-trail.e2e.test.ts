import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { verifyTrail } from '../../src/audit/verify-trail.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { MANDATE_FROM_SOURCE } from '../support/mandate-command.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, call, sharedSigningKey, startRedisBroker } from './redis-broker.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TRIAGE = 'spiffe://test.example/agent/triage';
const run = promisify(execFile);

/** `mandate audit verify ...` from the command line: exit code and output. */
async function verifyCommand(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await run(process.execPath, [...MANDATE_FROM_SOURCE, 'audit', 'verify', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return { code: 0, ...out };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the audit trail: written under load, continued after a restart, verified, queried', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let first: TestBroker;
  let file: string;
  let jwksFile: string;
  let config: Record<string, unknown>;
  /** Every subject and access token handled, to look for in every sink. */
  const tokens: string[] = [];
  const grantIds: string[] = [];

  const exchange = async (t: TestBroker, fields: Record<string, unknown> = {}) => {
    const subject = await t.td.svid({ path: '/agent/triage' });
    tokens.push(subject);
    const res = await t.exchange({ subject_token: subject, ...fields });
    if (typeof res.body.access_token === 'string') {
      tokens.push(res.body.access_token);
      grantIds.push(res.body.grant_id as string);
    }
    return res;
  };
  const streamLines = async () =>
    (await redis.xrange(`${prefix}:audit`, '-', '+')).map(([, f]) => f[f.indexOf('line') + 1]!);

  beforeAll(async () => {
    redis = await connectRedis();
    const key = await sharedSigningKey();
    first = await startRedisBroker(prefix, {
      config: { signing: { keys: [{ file: key }] } },
    });
    file = join(first.dir, 'audit.jsonl');
    config = {
      signing: { keys: [{ file: key }] },
      audit: {
        instance: 'broker-a',
        sinks: [{ type: 'file', path: file }, { type: 'redis' }, { type: 'stdout' }],
        checkpoint: { every: 25, interval: '1h' },
      },
    };
    await first.close();
    jwksFile = join(first.dir, 'jwks.json');
    first = await startRedisBroker(prefix, { config });
    writeFileSync(jwksFile, JSON.stringify(first.broker.keyRing.jwks()));
  });
  afterAll(async () => {
    await first.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('records many concurrent exchanges in one chain that verifies, in the file and the stream', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        exchange(first, i % 10 === 9 ? { scope: 'tickets:delete' } : { task_id: `LOAD-${i}` }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(54);
    await first.close();

    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const stdout = first.auditLines;
    expect(await streamLines()).toEqual(lines);
    expect(stdout).toEqual(lines);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.event === 'token_exchange')).toHaveLength(60);
    // every 25 records, and a last one at close
    expect(records.filter((r) => r.event === 'audit_checkpoint').length).toBe(3);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));

    const verified = await verifyCommand(file, '--jwks', jwksFile);
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.stdout).toContain(`ok: ${lines.length} records`);
    expect(verified.stdout).toContain(
      `broker-a: seq 1-${lines.length}, 3 checkpoint(s), signed up to seq ${lines.length - 1}`,
    );
  });

  it('continues the chain after a restart on the same file and stream', async () => {
    const before = readFileSync(file, 'utf8').trim().split('\n').length;
    first = await startRedisBroker(prefix, { config });
    expect((await exchange(first, { task_id: 'AFTER-1' })).status).toBe(200);
    await first.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const next = JSON.parse(lines[before]!) as Record<string, unknown>;
    expect(next).toMatchObject({ instance: 'broker-a', seq: before + 1 });
    expect(next.prev).toBe((JSON.parse(lines[before - 1]!) as { hash: string }).hash);
    expect((await verifyCommand(file, '--jwks', jwksFile)).code).toBe(0);
    const fromStream = await verifyTrail(
      (await streamLines()).map((text, i) => ({ file: 'stream', line: i + 1, text })),
      { jwks: first.broker.keyRing.jwks() },
    );
    expect(fromStream.problem).toBeUndefined();
  });

  it('mandate audit verify finds a record deleted from the real file and says where', async () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const tampered = join(first.dir, 'tampered.jsonl');
    writeFileSync(tampered, `${[...lines.slice(0, 9), ...lines.slice(10)].join('\n')}\n`);
    const res = await verifyCommand(tampered);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${tampered}:10: broker-a seq 11 follows seq 9`);
  });

  it('never writes a token to any sink', async () => {
    const sinks = [
      readFileSync(file, 'utf8'),
      (await streamLines()).join('\n'),
      first.auditLines.join('\n'),
    ];
    expect(tokens.length).toBeGreaterThan(100);
    for (const text of sinks) {
      for (const token of tokens) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.split('.')[2]);
      }
    }
  });

  it('GET /v1/audit filters and pages the stream, newest first', async () => {
    first = await startRedisBroker(prefix, { config });
    const viewer = OPERATOR_KEYS.viewer.key;
    const q = (params: Record<string, string>) =>
      call(first.url, 'GET', `/v1/audit?${new URLSearchParams(params).toString()}`, viewer);

    const byJti = await q({ jti: grantIds[3]! });
    expect(byJti.status).toBe(200);
    expect(byJti.body.records).toEqual([
      expect.objectContaining({ event: 'token_exchange', outcome: 'granted', jti: grantIds[3] }),
    ]);
    expect((await q({ task: 'LOAD-7', agent: TRIAGE })).body.records).toEqual([
      expect.objectContaining({ task: 'LOAD-7', agent: TRIAGE }),
    ]);
    const refused = await q({ event: 'token_exchange', outcome: 'refused' });
    expect(refused.body.records).toHaveLength(6);
    expect((await q({ event: 'audit_checkpoint' })).body.records).toHaveLength(4);
    expect((await q({ agent: 'spiffe://test.example/agent/nobody' })).body).toEqual({
      records: [],
    });

    // Pages of 20 walk the whole stream, newest first, without repeats.
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await q({ limit: '20', ...(cursor ? { cursor } : {}) });
      seen.push(...(page.body.records as { seq: number }[]).map((r) => r.seq));
      cursor = page.body.next_cursor as string | undefined;
    } while (cursor);
    const total = (await streamLines()).length;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => total - i));

    // A time range: nothing before the first record, everything up to now.
    const firstTime = (JSON.parse((await streamLines())[0]!) as { time: string }).time;
    const early = new Date(Date.parse(firstTime) - 1000).toISOString();
    expect((await q({ to: early })).body.records).toEqual([]);
    expect(
      ((await q({ from: early, event: 'token_exchange', limit: '1000' })).body.records as unknown[])
        .length,
    ).toBe(61);

    expect((await q({ from: 'yesterday' })).status).toBe(400);
    expect((await q({ cursor: 'bm90LWEtY3Vyc29y' })).status).toBe(400);
    expect((await call(first.url, 'GET', '/v1/audit')).status).toBe(401);
    expect(
      (await call(first.url, 'GET', '/v1/audit', OPERATOR_KEYS.resource_server.key)).status,
    ).toBe(403);
  });

  it('shows each sink in /readyz and counts failures per sink', async () => {
    const ready = await call(first.url, 'GET', '/readyz');
    expect(ready.body).toEqual({
      status: 'ready',
      audit: [
        { sink: 'file', ok: true, failures: 0 },
        { sink: 'redis', ok: true, failures: 0 },
        { sink: 'stdout', ok: true, failures: 0 },
      ],
    });
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toContain('mandate_audit_write_failures_total{sink="file"} 0');
  });
});

describe('GET /v1/audit without a Redis sink', () => {
  it('answers 404 naming what to configure', async () => {
    const t = await startTestBroker({
      config: {
        operators: {
          api_keys: [{ name: 'v', sha256: OPERATOR_KEYS.viewer.sha256, roles: ['viewer'] }],
        },
      },
    });
    try {
      const res = await call(t.url, 'GET', '/v1/audit', OPERATOR_KEYS.viewer.key);
      expect(res.status).toBe(404);
      expect(res.body.error_description).toMatch(/configure a redis sink in audit.sinks/);
    } finally {
      await t.close();
    }
  });
});
