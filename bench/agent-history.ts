// What an agent with a long history costs Redis: operator reads, revoke and block of an agent
// holding HEAVY_TASKS tasks (one grant each) against the same of an agent with 10, over the real
// HTTP server on a redis-server of its own; and the slowest single Redis call meanwhile, from
// SLOWLOG. The goal: well under a second each, no Redis call over 50 ms.
// Run: node --no-turbo-inline-js-wasm-calls --import tsx bench/agent-history.ts
// Env: HEAVY_TASKS (default 100000), BENCH_ROUNDS (timed repeats of each read, default 5).
import '../src/platform/v8-flags.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildBroker } from '../src/app/build-broker.js';
import { startServer } from '../src/app/start-server.js';
import { parseConfig } from '../src/config/load-config.js';
import { generateApiKey } from '../src/operators/api-keys.js';
import { RedisGrantStore } from '../src/grants/redis/redis-grant-store.js';
import { systemClock } from '../src/platform/clock.js';
import { freePort } from '../test/support/free-port.js';
import { createTestTrustDomain } from '../test/support/trust-domain.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';

const HEAVY_TASKS = Number(process.env.HEAVY_TASKS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LIGHT_TASKS = 10;
const PREFIX = 'mbench-history';
const HEAVY = 'spiffe://bench.example/agent/heavy';
const LIGHT = 'spiffe://bench.example/agent/light';

async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, lazyConnect: false });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100 && probe.status !== 'ready'; i += 1)
    await new Promise((resolve) => setTimeout(resolve, 50));
  probe.disconnect();
  return child;
}

/** Records `n` tasks of one grant each for `agent`, many script calls in flight. */
async function fill(store: RedisGrantStore, agent: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const now = Date.now();
      const iat = Math.floor(now / 1000);
      const result = await store.recordGrant({
        grant: {
          jti: `g-${i}-${agent.length}`,
          agentId: agent,
          taskId: `T-${i}`,
          resource: 'tickets',
          audience: 'https://tickets.example',
          scopes: ['tickets:read'],
          tier: 'read',
          targets: [],
          issuedAt: iat,
          expiresAt: iat + 3000,
        },
        purpose: 'history',
        now,
        maxTaskAgeSeconds: 3600,
      });
      if (!result.ok) throw new Error(`fill refused: ${JSON.stringify(result.refusal)}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

async function main(): Promise<void> {
  const port = await freePort();
  const server = await startRedisServer(port);
  const redis = new Redis(port, '127.0.0.1');
  try {
    const url = `redis://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
    const td = await createTestTrustDomain('bench.example', dir);
    const admin = generateApiKey();
    const raw = {
      issuer: 'http://mandate.bench',
      trust: { spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }] },
      resources: TEST_RESOURCES,
      policy: { dir: EXAMPLE_POLICY_DIR },
      store: { redis_url: url, prefix: PREFIX },
      limits: { max_live_tasks: HEAVY_TASKS + 1 },
      operators: { api_keys: [{ name: 'bench', sha256: admin.sha256, roles: ['admin'] }] },
    };
    writeFileSync(join(dir, 'mandate.yaml'), JSON.stringify(raw));
    const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
      logger: pino({ level: 'silent' }),
    });
    const running = await startServer(broker, { host: '127.0.0.1', port: 0 });
    const store = new RedisGrantStore({
      redis,
      connectReader: () => redis.duplicate(),
      prefix: PREFIX,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      revocationRetentionMs: 3_600_000,
    });

    const filling = Date.now();
    await fill(store, HEAVY, HEAVY_TASKS);
    await fill(store, LIGHT, LIGHT_TASKS);
    console.log(
      `filled: ${HEAVY_TASKS} tasks of one agent in ${((Date.now() - filling) / 1000).toFixed(1)} s`,
    );

    // From here on, every Redis call over 1 ms is logged.
    await redis.config('SET', 'slowlog-log-slower-than', '1000');
    await redis.config('SET', 'slowlog-max-len', '1024');
    await redis.slowlog('RESET');

    const timed = async (method: string, path: string): Promise<number> => {
      const started = process.hrtime.bigint();
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin.key}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const best = async (method: string, path: string, rounds = ROUNDS) => {
      let min = Infinity;
      for (let i = 0; i < rounds; i += 1) min = Math.min(min, await timed(method, path));
      return min;
    };
    const q = (agent: string) => `agent=${encodeURIComponent(agent)}`;
    const reads: [string, (agent: string) => string][] = [
      ['GET /v1/agent (first page)', (a) => `/v1/agent?${q(a)}`],
      ['GET /v1/tasks?limit=1', (a) => `/v1/tasks?${q(a)}&limit=1`],
      ['GET /v1/grants?limit=1000', (a) => `/v1/grants?${q(a)}&limit=1000`],
      ['GET /v1/tasks?status=halted (none)', (a) => `/v1/tasks?${q(a)}&status=halted`],
    ];
    const rows: [string, number, number][] = [];
    for (const [name, path] of reads)
      rows.push([name, await best('GET', path(HEAVY)), await best('GET', path(LIGHT))]);
    // each once: they change the agent
    rows.push([
      'POST /v1/agent/revoke',
      await best('POST', `/v1/agent/revoke?${q(HEAVY)}`, 1),
      await best('POST', `/v1/agent/revoke?${q(LIGHT)}`, 1),
    ]);
    rows.push([
      'POST /v1/agent/block',
      await best('POST', `/v1/agent/block?${q(HEAVY)}&for=1m`, 1),
      await best('POST', `/v1/agent/block?${q(LIGHT)}&for=1m`, 1),
    ]);
    rows.push([
      'GET /v1/agent after revoke',
      await best('GET', `/v1/agent?${q(HEAVY)}`),
      await best('GET', `/v1/agent?${q(LIGHT)}`),
    ]);

    const slow = (await redis.slowlog('GET', 1024)) as [number, number, number, string[]][];
    const slowest = slow.reduce((max, [, , micros]) => Math.max(max, micros), 0);
    const worst = slow.find(([, , micros]) => micros === slowest);

    console.log(
      `\nagent with ${HEAVY_TASKS} tasks vs one with ${LIGHT_TASKS} (ms, best of ${ROUNDS})`,
    );
    console.log('operation                              heavy ms  light ms  heavy/light');
    for (const [name, heavy, light] of rows)
      console.log(
        `${name.padEnd(38)} ${heavy.toFixed(1).padStart(8)}  ${light.toFixed(1).padStart(8)}  ${(heavy / light).toFixed(2).padStart(11)}`,
      );
    console.log(
      `\nslowest Redis call meanwhile: ${(slowest / 1000).toFixed(2)} ms` +
        (worst ? ` (${worst[3].slice(0, 2).join(' ').slice(0, 60)})` : ' (none over 1 ms)') +
        `; calls over 1 ms: ${slow.length}`,
    );
    await running.close();
    await store.close();
  } finally {
    redis.disconnect();
    server.kill('SIGKILL');
  }
}

await main();
