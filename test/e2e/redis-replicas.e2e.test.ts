import type { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBroker } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { until } from '../grants/grant-store.contract.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import {
  EXAMPLE_POLICY_DIR,
  TEST_RESOURCES,
  quietLogger,
  type TestBroker,
  collectLines,
} from '../support/test-broker.js';
import {
  OPERATORS_CONFIG,
  OPERATOR_KEYS,
  call,
  introspect,
  sharedSigningKey,
  startRedisBroker,
} from './redis-broker.js';
import { openStream } from './sse-client.js';

const AGENT = 'spiffe://test.example/agent/triage';
const Q = `agent=${encodeURIComponent(AGENT)}`;

describe('two brokers on one Redis', () => {
  let a: TestBroker;
  let b: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    const signing = { keys: [{ file: await sharedSigningKey() }] };
    a = await startRedisBroker(prefix, { config: { signing } });
    b = await startRedisBroker(prefix, {
      config: {
        signing,
        trust: {
          spiffe: [
            {
              trust_domain: a.td.trustDomain,
              bundle_file: a.td.bundleFile,
              audiences: ['mandate'],
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('share grants: a token from one is revoked through the other, inactive on both', async () => {
    const res = await a.exchange({ task_id: 'T-shared' });
    const token = res.body.access_token as string;
    expect(await introspect(b.url, token)).toMatchObject({ active: true, task_id: 'T-shared' });
    const task = await call(b.url, 'GET', `/v1/tasks/T-shared?${Q}`, OPERATOR_KEYS.viewer.key);
    expect(task.body).toMatchObject({ live_grants: 1 });
    expect((await call(b.url, 'POST', '/revoke', undefined, { token })).status).toBe(200);
    expect(await introspect(a.url, token)).toEqual({ active: false });
    expect(await introspect(b.url, token)).toEqual({ active: false });
  });

  it("stream each other's revocations over SSE, with heartbeats, and replay after an id", async () => {
    const start = (await call(a.url, 'GET', '/v1/revocations', OPERATOR_KEYS.viewer.key)).body
      .cursor as string;
    const stream = await openStream(a.url, OPERATOR_KEYS.resource_server.key);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      await a.exchange({ task_id: 'T-sse' });
      const revoked = await call(
        b.url,
        'POST',
        `/v1/tasks/T-sse/revoke?${Q}`,
        OPERATOR_KEYS.revoker.key,
      );
      expect(revoked.status).toBe(200);
      await until(() => stream.events.length === 1);
      expect(stream.events[0]!.data).toMatchObject({
        kind: 'task',
        agent: AGENT,
        task: 'T-sse',
        reason: 'revoked by an operator',
      });
      expect(stream.events[0]!.data.id).toBe(stream.events[0]!.id);
      await until(() => stream.comments.length > 0);
      expect(stream.comments[0]).toMatch(/^: heartbeat \d{13}$/);
    } finally {
      stream.close();
    }

    const replay = await openStream(b.url, OPERATOR_KEYS.viewer.key, start);
    try {
      await until(() => replay.events.length >= 1);
      expect(replay.events.map((e) => e.data.task)).toContain('T-sse');
      const polled = await call(
        b.url,
        'GET',
        `/v1/revocations?since=${start}`,
        OPERATOR_KEYS.viewer.key,
      );
      expect(polled.body.revocations).toEqual(replay.events.map((e) => e.data));
    } finally {
      replay.close();
    }
  });

  it('refuses a malformed since or Last-Event-ID', async () => {
    const res = await call(
      a.url,
      'GET',
      '/v1/revocations?since=yesterday',
      OPERATOR_KEYS.viewer.key,
    );
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const stream = await openStream(a.url, OPERATOR_KEYS.viewer.key, 'nope');
    stream.close();
    expect(stream.status).toBe(400);
  });
});

describe('the operator API on its own listener', () => {
  let running: RunningServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-admin-'));
    const raw = {
      issuer: 'http://mandate.test',
      server: { host: '127.0.0.1', port: 0 },
      admin: { listen: { host: '127.0.0.1', port: 0 } },
      resources: TEST_RESOURCES,
      policy: { dir: EXAMPLE_POLICY_DIR },
      operators: OPERATORS_CONFIG,
    };
    const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
      logger: quietLogger,
      auditStdout: collectLines([]),
    });
    running = await startServer(broker, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => running.close());

  it('serves /v1 operator routes there and not on the public listener', async () => {
    const key = OPERATOR_KEYS.viewer.key;
    // Not served there: the server-wide 404 of an unknown route, which no operation documents.
    const publicly = (path: string) =>
      fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await publicly('/v1/grants')).status).toBe(404);
    expect((await publicly('/v1/revocations')).status).toBe(404);
    expect((await call(running.adminUrl!, 'GET', '/v1/grants', key)).status).toBe(200);
    expect((await call(running.adminUrl!, 'GET', '/v1/revocations', key)).status).toBe(200);
    expect((await call(running.adminUrl!, 'GET', '/readyz')).status).toBe(200);
    expect((await call(running.url, 'POST', '/v1/tasks/T-1/complete')).status).toBe(401);
  });
});
