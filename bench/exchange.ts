// Exchanges per second over HTTP with the memory store and the Redis store, and the Redis round
// trips one exchange costs. Run: node --no-turbo-inline-js-wasm-calls --import tsx bench/exchange.ts
// Env: BENCH_SECONDS (per scenario, default 4), BENCH_CONCURRENCY (default 16).
import '../src/platform/v8-flags.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildBroker } from '../src/app/build-broker.js';
import { startServer, type RunningServer } from '../src/app/start-server.js';
import { parseConfig } from '../src/config/load-config.js';
import { createTestTrustDomain, type TestTrustDomain } from '../test/support/trust-domain.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REDIS_URL = 'redis://127.0.0.1:6379';

interface Scenario {
  readonly name: string;
  readonly redis: boolean;
  /** Every exchange continues one task per worker (reads the task first) instead of a new one. */
  readonly sameTask: boolean;
  /** Extra config (e.g. loop rules). */
  readonly config?: Record<string, unknown>;
}

interface Running {
  readonly server: RunningServer;
  /** Redis commands sent by the broker so far (undefined with the memory store). */
  readonly commands: () => number | undefined;
  readonly prefix: string;
}

async function start(td: TestTrustDomain, s: Scenario): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
  const prefix = `mbench-${randomBytes(4).toString('hex')}`;
  const raw = {
    issuer: 'http://mandate.bench',
    trust: { spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }] },
    resources: TEST_RESOURCES,
    policy: { dir: EXAMPLE_POLICY_DIR },
    ...(s.redis ? { store: { redis_url: REDIS_URL, prefix } } : {}),
    ...s.config,
  };
  writeFileSync(join(dir, 'mandate.yaml'), JSON.stringify(raw));
  const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
    logger: pino({ level: 'silent' }),
  });
  let sent = 0;
  if (broker.redis) {
    // Count every command the client writes: one EVALSHA is one round trip.
    const redis = broker.redis;
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = (...args: Parameters<typeof original>) => {
      sent += 1;
      return original(...args);
    };
  }
  const server = await startServer(broker, { host: '127.0.0.1', port: 0 });
  return { server, commands: () => (broker.redis ? sent : undefined), prefix };
}

async function exchangeOnce(url: string, svid: string, taskId?: string): Promise<void> {
  const res = await fetch(`${url}/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: svid,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      audience: 'tickets',
      scope: 'tickets:read',
      intent: { purpose: 'bench', targets: ['T-1'] },
      ...(taskId ? { task_id: taskId } : {}),
    }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`exchange answered ${res.status}: ${body}`);
}

/** Runs CONCURRENCY workers for SECONDS; returns exchanges per second. */
async function load(url: string, svid: string, sameTask: boolean): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const workers = Array.from({ length: CONCURRENCY }, async (_, i) => {
    const task = sameTask ? `bench-${i}-${randomBytes(3).toString('hex')}` : undefined;
    while (Date.now() < deadline) {
      await exchangeOnce(url, svid, task);
      done += 1;
    }
  });
  const started = Date.now();
  await Promise.all(workers);
  return done / ((Date.now() - started) / 1000);
}

/** Redis commands per exchange, measured over sequential exchanges. */
async function roundTrips(
  r: Running,
  svid: string,
  sameTask: boolean,
): Promise<number | undefined> {
  const task = sameTask ? `rt-${randomBytes(3).toString('hex')}` : undefined;
  await exchangeOnce(r.server.url, svid, task); // the task exists from here on
  const before = r.commands();
  if (before === undefined) return undefined;
  const n = 100;
  for (let i = 0; i < n; i += 1) await exchangeOnce(r.server.url, svid, task);
  return (r.commands()! - before) / n;
}

async function cleanup(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** Runs the scenarios and prints one line each; returns exchanges/s by scenario name. */
export async function runScenarios(scenarios: readonly Scenario[]): Promise<Map<string, number>> {
  const td = await createTestTrustDomain('bench.example');
  const svid = await td.svid({ path: '/agent/triage', expiresIn: 3600 });
  const rates = new Map<string, number>();
  for (const s of scenarios) {
    const r = await start(td, s);
    try {
      await load(r.server.url, svid, s.sameTask).then(
        () => undefined,
        () => undefined,
      ); // warm-up
      const trips = await roundTrips(r, svid, s.sameTask);
      const rate = await load(r.server.url, svid, s.sameTask);
      rates.set(s.name, rate);
      const rt = trips === undefined ? '' : `, ${trips.toFixed(2)} Redis round trips/exchange`;
      console.log(`${s.name.padEnd(34)} ${rate.toFixed(0).padStart(6)} exchanges/s${rt}`);
    } finally {
      await r.server.close();
      if (s.redis) await cleanup(r.prefix);
    }
  }
  return rates;
}

const BASE: readonly Scenario[] = [
  { name: 'memory, new task each', redis: false, sameTask: false },
  { name: 'redis,  new task each', redis: true, sameTask: false },
  { name: 'memory, continuing a task', redis: false, sameTask: true },
  { name: 'redis,  continuing a task', redis: true, sameTask: true },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`exchange benchmark: ${SECONDS}s per scenario, ${CONCURRENCY} concurrent clients`);
  const rates = await runScenarios(BASE);
  const ratio = (a: string, b: string) => (rates.get(a)! / rates.get(b)!).toFixed(2);
  console.log(`redis/memory, new task:        ${ratio(BASE[1]!.name, BASE[0]!.name)}`);
  console.log(`redis/memory, continuing task: ${ratio(BASE[3]!.name, BASE[2]!.name)}`);
  process.exit(0);
}
