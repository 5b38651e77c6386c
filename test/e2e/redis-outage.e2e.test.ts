import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { until } from '../grants/grant-store.contract.js';
import { freePort } from '../support/free-port.js';
import type { TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, call, introspect, startRedisBroker } from './redis-broker.js';

/** A throwaway redis-server of our own, so the test can stop it under the broker. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--enable-debug-command', 'local'],
    ],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  await until(() => probe.status === 'ready');
  probe.disconnect();
  return child;
}

async function stopRedisServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function expectUnavailable(res: {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.body.error).toBe('temporarily_unavailable');
  expect(res.body).not.toHaveProperty('access_token');
}

describe('when Redis is unreachable from the start', () => {
  let t: TestBroker;
  beforeAll(async () => {
    const port = await freePort();
    t = await startRedisBroker('unreachable', {
      redisUrl: `redis://127.0.0.1:${port}`,
      config: { store: { redis_url: `redis://127.0.0.1:${port}`, connect_timeout_ms: 200 } },
    });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After and no token, and is not ready', async () => {
    expectUnavailable(await t.exchange());
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await fetch(`${t.url}/healthz`).then((r) => r.status)).toBe(200);
    expectUnavailable(await call(t.url, 'GET', '/v1/grants', OPERATOR_KEYS.viewer.key));
    expectUnavailable(await call(t.url, 'GET', '/v1/revocations', OPERATOR_KEYS.viewer.key));
    expectUnavailable(
      await call(t.url, 'GET', '/v1/revocations/stream', OPERATOR_KEYS.resource_server.key),
    );
  });
});

describe('when Redis stops, stalls and restarts under a running broker', () => {
  let t: TestBroker;
  let server: ChildProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    server = await startRedisServer(port);
    const url = `redis://127.0.0.1:${port}`;
    t = await startRedisBroker('outage', {
      config: { store: { redis_url: url, command_timeout_ms: 300 } },
    });
  });
  afterAll(async () => {
    await t.close();
    if (server.exitCode === null) await stopRedisServer(server);
  });

  it('refuses with 503 while stalled or down, never issues a token, and fails closed after', async () => {
    const before = await t.exchange({ task_id: 'T-outage' });
    expect(before.status).toBe(200);
    const token = before.body.access_token as string;

    // Stalled: the server sleeps; the command times out instead of hanging the request.
    const staller = new Redis(port, '127.0.0.1');
    try {
      const sleeping = staller.call('DEBUG', 'SLEEP', '1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expectUnavailable(await t.exchange({ task_id: 'T-outage' }));
      await sleeping;
    } finally {
      staller.disconnect();
    }

    // Down: exchange, revocation and introspection all refuse rather than guess.
    await stopRedisServer(server);
    expectUnavailable(await t.exchange({ task_id: 'T-outage' }));
    expectUnavailable(await call(t.url, 'POST', '/revoke', undefined, { token }));
    expectUnavailable(
      await call(t.url, 'POST', '/introspect', OPERATOR_KEYS.resource_server.key, { token }),
    );
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);

    // Back, empty: the broker recovers by itself; the old token has no grant, so it is dead.
    server = await startRedisServer(port);
    await waitReady(t.url);
    expect(await introspect(t.url, token)).toEqual({ active: false });
    const after = await t.exchange({ task_id: 'T-outage' });
    expect(after.status).toBe(200);
    expect(await introspect(t.url, after.body.access_token as string)).toMatchObject({
      active: true,
    });
  });
});

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('broker did not become ready');
}
