import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_RESOURCES } from '../support/test-broker.js';
import { OPERATOR_KEYS, redisBrokerConfig, sharedSigningKey } from '../e2e/redis-broker.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { heldTokenRequest, openRaw, rawRequest, type RawResponse } from '../support/raw-http.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { exchangeBody } from '../support/post-exchange.js';
import { MANDATE, ROOT, runCli } from './run-cli.js';

// `mandate serve --workers 2` as production runs it: the real CLI as a child process, its
// workers sharing one port on the real Redis. Node's cluster hands connections to the
// listening workers in turn (round robin), so requests on fresh connections, one after the
// other, reach both workers: what one worker records, the next connection reads from the other.

const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:release': 'write', 'deploy:destroy-env': 'destructive' },
};

type LogLine = Record<string, unknown>;

/** A `mandate serve` child process and what it logged. */
interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  /** Resolves with the `nth` line (default: first) whose `msg` starts with `msg` and that has `fields`. */
  logged(msg: string, fields?: LogLine, nth?: number): Promise<LogLine>;
  lines(): LogLine[];
}

function serveCli(args: string[]): Served {
  const child = spawn(process.execPath, [...MANDATE, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const find = (msg: string, fields: LogLine, nth: number) =>
    lines().filter(
      (l) =>
        typeof l.msg === 'string' &&
        l.msg.startsWith(msg) &&
        Object.entries(fields).every(([k, v]) => l[k] === v),
    )[nth - 1];
  return {
    child,
    exited: new Promise((resolve) => child.once('exit', resolve)),
    lines,
    logged: (msg, fields = {}, nth = 1) =>
      new Promise((resolve) => {
        const look = () => {
          const line = find(msg, fields, nth);
          if (line) {
            child.stdout.off('data', look);
            resolve(line);
          }
        };
        child.stdout.on('data', look);
        look();
      }),
  };
}

/** One request on a connection of its own, so the cluster picks the next worker for it. */
async function fresh(
  url: string,
  method: string,
  path: string,
  options: { bearer?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<RawResponse & { json: Record<string, unknown> }> {
  const body =
    options.json !== undefined
      ? JSON.stringify(options.json)
      : options.form
        ? new URLSearchParams(options.form).toString()
        : '';
  const connection = await openRaw(url);
  connection.write(
    rawRequest(
      method,
      path,
      {
        Connection: 'close',
        ...(options.bearer ? { Authorization: `Bearer ${options.bearer}` } : {}),
        ...(options.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        'Content-Length': String(Buffer.byteLength(body)),
      },
      body,
    ),
  );
  const response = await connection.nextResponse();
  connection.destroy();
  const json = response.headers['content-type']?.startsWith('application/json')
    ? (JSON.parse(response.body) as Record<string, unknown>)
    : {};
  return { ...response, json };
}

/** `mandate_exchanges_total{outcome="granted"}` as a scrape shows it. */
function grantedIn(metrics: string): number {
  const line = /^mandate_exchanges_total\{outcome="granted"\} (\d+)$/m.exec(metrics);
  if (!line) throw new Error('no mandate_exchanges_total{outcome="granted"} in the scrape');
  return Number(line[1]);
}

describe('mandate serve --workers', () => {
  const prefix = uniquePrefix();
  let td: TestTrustDomain;
  let dir: string;
  let config: Record<string, unknown>;
  let served: Served;
  let url: string;
  let exchanges = 0;

  const writeConfig = (name: string, raw: Record<string, unknown>) => {
    const file = join(dir, name);
    writeFileSync(file, stringify(raw));
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mandate-workers-'));
    td = await createTestTrustDomain('test.example', dir);
    config = {
      server: { host: '127.0.0.1', port: 0 },
      issuer: 'http://mandate.test',
      ...redisBrokerConfig(td, prefix),
      resources: { ...TEST_RESOURCES, deploy: DEPLOY },
      signing: { keys: [{ file: await sharedSigningKey() }] },
    };
    served = serveCli(['--config', writeConfig('mandate.yaml', config), '--workers', '2']);
    // Worker 2 is held before it can warm, so the instance is seen with one worker ready.
    const second = await served.logged('worker started', { worker: 2 });
    process.kill(second.worker_pid as number, 'SIGSTOP');
    url = (await served.logged('mandate listening')).url as string;
  }, 120_000);

  afterAll(async () => {
    // Whatever a failed test left behind: a worker held, or workers and primary still running.
    for (const started of served.lines().filter((l) => l.msg === 'worker started')) {
      try {
        process.kill(started.worker_pid as number, 'SIGKILL');
      } catch {
        // exited already
      }
    }
    if (served.child.exitCode === null) {
      served.child.kill('SIGKILL');
      await served.exited;
    }
    const redis = await connectRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('answers /readyz 503 naming how many workers are ready until every worker is warm', async () => {
    const waiting = await fresh(url, 'GET', '/readyz');
    expect(waiting.status).toBe(503);
    expect(waiting.json).toMatchObject({ status: 'unavailable', reason: '1 of 2 workers ready' });

    const second = served.lines().find((l) => l.msg === 'worker started' && l.worker === 2)!;
    process.kill(second.worker_pid as number, 'SIGCONT');
    await served.logged('all workers ready', { workers: 2 });
    for (let i = 0; i < 2; i++) {
      const ready = await fresh(url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json).toMatchObject({ status: 'ready' });
    }
  }, 120_000);

  it('counts every exchange once in /metrics, whichever worker takes the scrape', async () => {
    for (let i = 0; i < 6; i++) {
      const granted = await fresh(url, 'POST', '/token-exchange', {
        json: exchangeBody(await td.svid({ path: '/agent/triage' }), {
          intent: { purpose: `triage ticket T-${i}`, targets: [`T-${i}`] },
        }),
      });
      expect(granted.status).toBe(200);
      exchanges++;
    }
    // Consecutive connections reach both workers: each answers with the sum of both.
    for (let i = 0; i < 3; i++) {
      const scrape = await fresh(url, 'GET', '/metrics');
      expect(scrape.status).toBe(200);
      expect(grantedIn(scrape.body)).toBe(exchanges);
      expect(scrape.body).toMatch(/^mandate_approvals_pending 0$/m);
    }
  }, 60_000);

  it('asks for an approval through one worker and decides and uses it through the others', async () => {
    const destroy = async (fields: Record<string, unknown> = {}) =>
      fresh(url, 'POST', '/token-exchange', {
        json: exchangeBody(await td.svid({ path: '/agent/deploy' }), {
          audience: 'deploy',
          scope: 'deploy:destroy-env',
          intent: { purpose: 'remove preview env', targets: ['preview-7'] },
          ...fields,
        }),
      });
    const asked = await destroy();
    expect(asked.status).toBe(403);
    expect(asked.json.error).toBe('approval_required');
    const id = asked.json.approval_id as string;

    for (let i = 0; i < 2; i++) {
      const listed = await fresh(url, 'GET', '/v1/approvals?state=pending', {
        bearer: OPERATOR_KEYS.viewer.key,
      });
      expect(listed.json.approvals).toEqual(
        expect.arrayContaining([expect.objectContaining({ approval_id: id, state: 'pending' })]),
      );
    }
    const decided = await fresh(url, 'POST', `/v1/approvals/${id}`, {
      bearer: OPERATOR_KEYS.approver.key,
      json: { decision: 'approve', reason: 'change CHG-7' },
    });
    expect(decided.status).toBe(200);
    expect(decided.json).toMatchObject({ state: 'approved' });

    const granted = await destroy({ approval_id: id });
    expect(granted.status).toBe(200);
    expect(granted.json.scope).toBe('deploy:destroy-env');
    exchanges++;
    const replay = await destroy({ approval_id: id });
    expect(replay.status).toBe(400);
  }, 60_000);

  it('sends a revocation made through one worker to streams on every worker, and introspection on any says inactive', async () => {
    // Two streams on consecutive connections: one on each worker.
    const streams = await Promise.all(
      [0, 1].map(async () => {
        const connection = await openRaw(url);
        connection.write(
          rawRequest('GET', '/v1/revocations/stream', {
            Authorization: `Bearer ${OPERATOR_KEYS.viewer.key}`,
          }),
        );
        await new Promise<void>((resolve) => {
          const check = () => (connection.received().includes('200 OK') ? resolve() : undefined);
          connection.socket.on('data', check);
          check();
        });
        return connection;
      }),
    );
    const granted = await fresh(url, 'POST', '/token-exchange', {
      json: exchangeBody(await td.svid({ path: '/agent/triage' }), {
        intent: { purpose: 'triage ticket T-99', targets: ['T-99'] },
      }),
    });
    expect(granted.status).toBe(200);
    exchanges++;
    const token = granted.json.access_token as string;
    const grantId = granted.json.grant_id as string;
    const revoked = await fresh(url, 'POST', '/revoke', { form: { token } });
    expect(revoked.status).toBe(200);

    await Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            const check = () =>
              s.received().includes(`"jti":"${grantId}"`) ? resolve() : undefined;
            s.socket.on('data', check);
            check();
          }),
      ),
    );
    for (const s of streams) s.destroy();
    for (let i = 0; i < 2; i++) {
      const introspected = await fresh(url, 'POST', '/introspect', {
        bearer: OPERATOR_KEYS.resource_server.key,
        form: { token },
      });
      expect(introspected.status).toBe(200);
      expect(introspected.json).toEqual({ active: false });
    }
  }, 60_000);

  it('reloads the policy in every worker on SIGHUP', async () => {
    served.child.kill('SIGHUP');
    await Promise.all([
      served.logged('policy set reloaded', { worker: 1 }),
      served.logged('policy set reloaded', { worker: 2 }),
    ]);
  }, 60_000);

  it('replaces a worker that dies while the other keeps serving', async () => {
    const first = await served.logged('worker started', { worker: 1 });
    process.kill(first.worker_pid as number, 'SIGKILL');
    expect(await served.logged('worker exited: replacing it', { worker: 1 })).toMatchObject({
      signal: 'SIGKILL',
    });
    // The instance stays ready on the worker left; the replacement listens only once warm.
    const meanwhile = await fresh(url, 'GET', '/readyz');
    expect(meanwhile.status).toBe(200);
    const replacement = await served.logged('worker started', { worker: 1 }, 2);
    expect(replacement.worker_pid).not.toBe(first.worker_pid);
    await served.logged('worker ready', { worker: 1 }, 2);
    for (let i = 0; i < 2; i++) expect((await fresh(url, 'GET', '/readyz')).status).toBe(200);
  }, 120_000);

  it('drains every worker on SIGTERM: the request in flight is answered, then exit 0', async () => {
    const body = JSON.stringify(exchangeBody(await td.svid({ path: '/agent/triage' })));
    // Expect: 100-continue makes the server say it has the request before the body is sent.
    const inFlight = await heldTokenRequest(url, body);

    served.child.kill('SIGTERM');
    await served.logged('shutting down: every worker drains', { signal: 'SIGTERM' });
    await Promise.all([
      served.logged('shutting down: not accepting', { worker: 1 }),
      served.logged('shutting down: not accepting', { worker: 2 }),
    ]);
    inFlight.write(body);
    await inFlight.closed;
    const answer = inFlight.received().replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/);
    expect(answer).toContain('"access_token"');

    expect(await served.exited).toBe(0);
    expect(served.lines().filter((l) => l.msg === 'stopped')).toHaveLength(3);
  }, 60_000);

  it('stops with exit 1 when a worker cannot start', async () => {
    const broken = serveCli([
      '--config',
      writeConfig('no-key.yaml', {
        ...config,
        signing: { keys: [{ file: join(dir, 'gone.pem') }] },
      }),
      '--workers',
      '2',
    ]);
    expect(await broken.exited).toBe(1);
    expect(broken.lines().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['a worker failed to start: stopping', 'stopped: a worker failed']),
    );
    expect(broken.lines().map((l) => l.msg)).not.toContain('mandate listening');
  }, 120_000);

  it('refuses --workers 2 (or MANDATE_WORKERS=2) with the memory store before anything starts', async () => {
    const file = writeConfig('memory.yaml', { ...config, store: undefined });
    for (const run of [
      await runCli(['serve', '--config', file, '--workers', '2']),
      await runCli(['serve', '--config', file], { MANDATE_WORKERS: '2' }),
    ]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^mandate: --workers 2 cannot run with the memory store: /);
      expect(run.stdout).not.toContain('mandate listening');
    }
  }, 60_000);
});
