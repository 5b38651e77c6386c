// Exchanges per second over HTTP with the memory store and the Redis store, with the loop rules
// and rate limit on and off, and the Redis round trips one exchange costs, for new and continuing
// tasks, with a policy set that reads context.task (the examples) and one that does not.
// Run: node --no-turbo-inline-js-wasm-calls --import tsx bench/exchange.ts
// Env: BENCH_SECONDS (per scenario, default 4), BENCH_CONCURRENCY (default 16),
// BENCH_ROUNDS (best of, default 2), BENCH_ONLY=store (only the store-level numbers),
// BENCH_ONLY=trips (only the round trips).
import '../src/platform/v8-flags.js';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildBroker } from '../src/app/build-broker.js';
import { startServer, type RunningServer } from '../src/app/start-server.js';
import { configSchema } from '../src/config/schema.js';
import { parseConfig } from '../src/config/load-config.js';
import type { GrantStore } from '../src/grants/grant-store.js';
import { loopOptions } from '../src/app/loop-options.js';
import { MemoryGrantStore } from '../src/grants/memory-grant-store.js';
import { RedisGrantStore } from '../src/grants/redis/redis-grant-store.js';
import { systemClock } from '../src/platform/clock.js';
import { createTestTrustDomain, type TestTrustDomain } from '../test/support/trust-domain.js';
import { exchangeOrThrow } from '../test/support/post-exchange.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';
import { clearPrefix } from '../test/grants/redis-support.js';

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
  /** The policy folder; default: the examples. */
  readonly policyDir?: string;
}

interface Running {
  readonly server: RunningServer;
  /** Redis commands sent by the broker so far (undefined with the memory store). */
  readonly commands: () => number | undefined;
  readonly prefix: string;
  /** Whether the serving policy set reads context.task. */
  readonly readsTask: boolean;
}

async function start(td: TestTrustDomain, s: Scenario): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
  const prefix = `mbench-${randomBytes(4).toString('hex')}`;
  const raw = {
    issuer: 'http://mandate.bench',
    trust: { spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }] },
    resources: TEST_RESOURCES,
    policy: { dir: s.policyDir ?? EXAMPLE_POLICY_DIR },
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
  return {
    server,
    commands: () => (broker.redis ? sent : undefined),
    prefix,
    readsTask: broker.policy.current().readsTaskContext,
  };
}

/**
 * A continuing task makes this many exchanges, cycling over 5 targets, before the worker starts
 * another: a busy but legitimate task that stays under the default loop limits.
 */
const PER_TASK = 20;

/** The task of a worker's n-th exchange (undefined: a new task each time), and its target. */
function taskOf(sameTask: boolean, worker: string, n: number): [string | undefined, string] {
  return [sameTask ? `${worker}-${Math.floor(n / PER_TASK)}` : undefined, `T-${n % 5}`];
}

async function exchangeOnce(
  url: string,
  svid: string,
  [taskId, target]: [string | undefined, string] = [undefined, 'T-1'],
): Promise<void> {
  await exchangeOrThrow(url, svid, {
    intent: { purpose: 'bench', targets: [target] },
    ...(taskId ? { task_id: taskId } : {}),
  });
}

/** Runs CONCURRENCY workers for SECONDS; returns exchanges per second. */
async function load(
  url: string,
  svid: string,
  sameTask: boolean,
  seconds = SECONDS,
): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const workers = Array.from({ length: CONCURRENCY }, async (_, i) => {
    const worker = `bench-${i}-${randomBytes(3).toString('hex')}`;
    for (let n = 0; Date.now() < deadline; n += 1) {
      await exchangeOnce(url, svid, taskOf(sameTask, worker, n));
      done += 1;
    }
  });
  const started = Date.now();
  await Promise.all(workers);
  return done / ((Date.now() - started) / 1000);
}

/** Redis commands per exchange, over sequential exchanges (continuing: of an existing task). */
async function roundTrips(
  r: Running,
  svid: string,
  sameTask: boolean,
): Promise<number | undefined> {
  const worker = `rt-${randomBytes(3).toString('hex')}`;
  await exchangeOnce(r.server.url, svid, taskOf(sameTask, worker, 0)); // the task exists now
  const before = r.commands();
  if (before === undefined) return undefined;
  const n = PER_TASK - 1;
  for (let i = 1; i <= n; i += 1)
    await exchangeOnce(r.server.url, svid, taskOf(sameTask, worker, i));
  return (r.commands()! - before) / n;
}

/**
 * Runs `load` in a child process, so the client's HTTP and JSON work does not share a core with
 * the broker it measures (the machine has two).
 */
async function loadInChild(url: string, svid: string, sameTask: boolean): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      'client',
      JSON.stringify({ url, svid, sameTask }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load client exited with ${code}`);
  return Number(JSON.parse(out.trim()));
}

/** How many times each scenario runs; the best run counts (other work on the machine only slows). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** Runs the scenarios and prints one line each; returns exchanges/s by scenario name. */
export async function runScenarios(scenarios: readonly Scenario[]): Promise<Map<string, number>> {
  const td = await createTestTrustDomain('bench.example');
  const svid = await td.svid({ path: '/agent/triage', expiresIn: 3600 });
  const rates = new Map<string, number>();
  const trips = new Map<string, number | undefined>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const s of scenarios) {
      const r = await start(td, s);
      try {
        await load(r.server.url, svid, s.sameTask, round === 0 ? 3 : 1); // JIT warm-up
        if (round === 0) trips.set(s.name, await roundTrips(r, svid, s.sameTask));
        const rate = await loadInChild(r.server.url, svid, s.sameTask);
        rates.set(s.name, Math.max(rates.get(s.name) ?? 0, rate));
      } finally {
        await r.server.close();
        if (s.redis) await clearPrefix(r.prefix);
      }
    }
  }
  for (const s of scenarios) {
    const t = trips.get(s.name);
    const rt = t === undefined ? '' : `, ${t.toFixed(2)} Redis round trips/exchange`;
    console.log(
      `${s.name.padEnd(34)} ${rates.get(s.name)!.toFixed(0).padStart(6)} exchanges/s${rt}`,
    );
  }
  return rates;
}

/**
 * The examples without the one policy that reads context.task (research-task-budget): the same
 * decisions for the bench's triage agent, and no task read before deciding.
 */
function policiesWithoutTaskReads(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-policies-'));
  cpSync(EXAMPLE_POLICY_DIR, dir, {
    recursive: true,
    filter: (f) => !f.endsWith('research.cedar'),
  });
  writeFileSync(
    join(dir, 'read.cedar'),
    `@id("read-unrestricted")
permit (principal, action in Action::"read", resource)
when { principal.source == "spiffe" && resource.sensitivity != "restricted" };`,
  );
  return dir;
}

/** Redis round trips per exchange: new and continuing tasks, policy reading the task or not. */
async function roundTripTable(): Promise<void> {
  const td = await createTestTrustDomain('bench.example');
  const triage = await td.svid({ path: '/agent/triage', expiresIn: 3600 });
  // research.cedar's task budget decides for a research agent, never for a triage one: the
  // broker reads a research agent's task first, and not a triage agent's
  const research = await td.svid({ path: '/agent/research', expiresIn: 3600 });
  const sets = [
    ['examples, a triage agent', EXAMPLE_POLICY_DIR, triage],
    ['examples, a research agent', EXAMPLE_POLICY_DIR, research],
    ['no policy reads context.task', policiesWithoutTaskReads(), triage],
  ] as const;
  for (const [label, policyDir, svid] of sets) {
    for (const [rules, config] of [
      ['off', RULES_OFF],
      ['on', RULES_ON],
    ] as const) {
      const r = await start(td, { name: label, redis: true, sameTask: false, config, policyDir });
      try {
        const fresh = (await roundTrips(r, svid, false))!;
        const continuing = (await roundTrips(r, svid, true))!;
        console.log(
          `round trips, ${label.padEnd(28)} (set reads task: ${String(r.readsTask).padEnd(5)}), rules ${rules.padEnd(3)}: new task ${fresh.toFixed(2)}, continuing ${continuing.toFixed(2)}`,
        );
      } finally {
        await r.server.close();
        await clearPrefix(r.prefix);
      }
    }
  }
}

/** Loop rules and rate limit off. */
const RULES_OFF = { loops: { enabled: false, rate_limit: { max: 0 } } };
/** The default loop rules; the rate limit raised, since one identity drives all the load. */
const RULES_ON = { loops: { rate_limit: { max: 1_000_000_000 } } };

const SCENARIOS: readonly Scenario[] = (['memory', 'redis'] as const).flatMap((store) =>
  ([false, true] as const).flatMap((sameTask) =>
    (['off', 'on'] as const).map((rules) => ({
      name: `${store.padEnd(6)} ${sameTask ? 'continuing a task' : 'new task each'}, rules ${rules}`,
      redis: store === 'redis',
      sameTask,
      config: rules === 'on' ? RULES_ON : RULES_OFF,
    })),
  ),
);

/** The default loop limits, in store units, converted as the broker converts its config. */
const STORE_LOOPS = loopOptions(configSchema.shape.loops.parse(undefined)).loops!;

/** recordGrant calls per second on the store alone (no HTTP, crypto or policy). */
async function storeRate(store: GrantStore, rules: boolean, sameTask: boolean): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const workers = Array.from({ length: CONCURRENCY }, async (_, w) => {
    const worker = `s-${w}-${randomBytes(3).toString('hex')}`;
    for (let n = 0; Date.now() < deadline; n += 1) {
      const now = Date.now();
      const [task, target] = taskOf(sameTask, worker, n);
      const result = await store.recordGrant({
        grant: {
          jti: randomBytes(16).toString('base64url'),
          agentId: `spiffe://bench.example/agent/${w % 4}`,
          taskId: task ?? `${worker}-${n}`,
          resource: 'tickets',
          audience: 'https://tickets.example',
          scopes: ['tickets:read'],
          tier: 'read',
          targets: [target],
          issuedAt: Math.floor(now / 1000),
          expiresAt: Math.floor(now / 1000) + 300,
        },
        purpose: 'bench',
        now,
        maxTaskAgeSeconds: 8 * 3600,
        fingerprint: target,
        ...(rules
          ? { loops: STORE_LOOPS, rateLimit: { max: 1_000_000_000, windowMs: 60_000 } }
          : {}),
      });
      if (!result.ok) throw new Error(`store refused: ${JSON.stringify(result.refusal)}`);
      done += 1;
    }
  });
  const started = Date.now();
  await Promise.all(workers);
  return done / ((Date.now() - started) / 1000);
}

async function storeBench(): Promise<void> {
  const { Redis } = await import('ioredis');
  const prefix = `mbench-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
  const logger = pino({ level: 'silent' });
  const stores: [string, GrantStore][] = [
    ['memory', new MemoryGrantStore({ clock: systemClock, revocationRetentionMs: 3_600_000 })],
    [
      'redis',
      new RedisGrantStore({
        redis,
        connectReader: () => redis.duplicate(),
        prefix,
        clock: systemClock,
        logger,
        revocationRetentionMs: 3_600_000,
      }),
    ],
  ];
  try {
    for (const sameTask of [false, true]) {
      for (const [name, store] of stores) {
        const off = await storeRate(store, false, sameTask);
        const on = await storeRate(store, true, sameTask);
        const kind = sameTask ? 'continuing a task' : 'new task each';
        console.log(
          `store only, ${name.padEnd(6)} ${kind.padEnd(17)}: rules off ${off.toFixed(0).padStart(6)}/s, on ${on.toFixed(0).padStart(6)}/s, on/off ${(on / off).toFixed(2)}`,
        );
      }
    }
  } finally {
    for (const [, store] of stores) await store.close();
    redis.disconnect();
    await clearPrefix(prefix);
  }
}

if (process.argv[2] === 'client') {
  const { url, svid, sameTask } = JSON.parse(process.argv[3]!) as {
    url: string;
    svid: string;
    sameTask: boolean;
  };
  console.log(JSON.stringify(await load(url, svid, sameTask)));
  process.exit(0);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    `exchange benchmark: ${SECONDS}s per scenario, best of ${ROUNDS}, ${CONCURRENCY} concurrent clients in a child process`,
  );
  await roundTripTable();
  if (process.env.BENCH_ONLY === 'trips') process.exit(0);
  await storeBench();
  if (process.env.BENCH_ONLY === 'store') process.exit(0);
  const rates = await runScenarios(SCENARIOS);
  const rate = (store: string, same: boolean, rules: string) =>
    rates.get(
      `${store.padEnd(6)} ${same ? 'continuing a task' : 'new task each'}, rules ${rules}`,
    )!;
  for (const same of [false, true]) {
    const kind = same ? 'continuing task' : 'new task';
    const memory = rate('memory', same, 'on');
    const redis = rate('redis', same, 'on');
    console.log(`redis/memory, ${kind}, rules on:  ${(redis / memory).toFixed(2)}`);
    for (const store of ['memory', 'redis']) {
      const ratio = rate(store, same, 'on') / rate(store, same, 'off');
      console.log(`rules on/off, ${store}, ${kind}: ${ratio.toFixed(2)}`);
    }
  }
  process.exit(0);
}
