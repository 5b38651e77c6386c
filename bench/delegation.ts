// What delegation costs (docs/delegation.md, "Cost"): plain exchanges per second against
// delegated ones at depth 1 (research -> summarizer) and depth 2 (research -> summarizer ->
// summarizer/deep), over HTTP on the real server and Redis, measured in one run, in short
// slices taken in turn so the ratios compare like with like on a busy machine; and the Redis
// round trips one exchange of each kind costs.
// Run: node --no-turbo-inline-js-wasm-calls --import tsx bench/delegation.ts
// Env: BENCH_SLICE_SECONDS (default 1.5), BENCH_SLICES (per kind, default 8),
// BENCH_CONCURRENCY (default 16), BENCH_ONLY=trips (only the round trips).
import '../src/platform/v8-flags.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildBroker } from '../src/app/build-broker.js';
import { startServer, type RunningServer } from '../src/app/start-server.js';
import { parseConfig } from '../src/config/load-config.js';
import { createTestTrustDomain } from '../test/support/trust-domain.js';
import { exchangeOrThrow } from '../test/support/post-exchange.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';
import { clearPrefix } from '../test/grants/redis-support.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Seconds of one slice: one kind's load, before the next kind's. */
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 1.5);
/** How many times each kind runs its slice. */
const SLICES = Number(process.env.BENCH_SLICES ?? 8);
const REDIS_URL = 'redis://127.0.0.1:6379';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

/**
 * One exchange as the load client sends it: the subject token, and for a delegated exchange the
 * actor's SVID (the subject token is then the parent Mandate token it was handed).
 */
interface Exchange {
  readonly subject: string;
  readonly actor?: string;
}

interface Running {
  readonly server: RunningServer;
  /** Redis commands sent by the broker's client so far. */
  readonly commands: () => number;
  readonly prefix: string;
}

/**
 * The broker on Redis with the example policies (delegation.cedar among them), the default
 * loop rules and delegation.max_depth; the rate limit and live-task bound raised, since one
 * identity drives all the load and each exchange starts a task.
 */
async function start(issuer: string, td: Awaited<ReturnType<typeof createTestTrustDomain>>) {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
  const prefix = `mbench-${randomBytes(4).toString('hex')}`;
  const raw = {
    issuer,
    trust: { spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }] },
    resources: TEST_RESOURCES,
    policy: { dir: EXAMPLE_POLICY_DIR },
    store: { redis_url: REDIS_URL, prefix },
    loops: { rate_limit: { max: 1_000_000_000 } },
    limits: { max_live_tasks: 1_000_000_000 },
  };
  writeFileSync(join(dir, 'mandate.yaml'), JSON.stringify(raw));
  const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
    logger: pino({ level: 'silent' }),
  });
  let sent = 0;
  // Count every command the client writes: one EVALSHA or GET is one round trip.
  const redis = broker.redis!;
  const original = redis.sendCommand.bind(redis);
  redis.sendCommand = (...args: Parameters<typeof original>) => {
    sent += 1;
    return original(...args);
  };
  const server = await startServer(broker, { host: '127.0.0.1', port: 0 });
  return { server, commands: () => sent, prefix } satisfies Running;
}

/** One exchange for a new task: plain (the SVID), or delegated (the parent token + actor SVID). */
async function exchangeOnce(url: string, e: Exchange): Promise<void> {
  await exchangeOrThrow(url, e.subject, {
    intent: { purpose: 'bench', targets: ['T-1'] },
    ...(e.actor
      ? { subject_token_type: ACCESS_TOKEN, actor_token: e.actor, actor_token_type: JWT }
      : {}),
  });
}

/** Runs CONCURRENCY workers for `seconds`; returns exchanges per second. */
async function load(url: string, e: Exchange, seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) {
      await exchangeOnce(url, e);
      done += 1;
    }
  });
  const started = Date.now();
  await Promise.all(workers);
  return done / ((Date.now() - started) / 1000);
}

/** One kind of exchange, on the broker that serves it. */
interface Target {
  readonly kind: Kind;
  readonly url: string;
  readonly e: Exchange;
}

/**
 * Runs the kinds in turn, SLICE_SECONDS each, SLICES times over (the order rotating), in one
 * child process, so the client's HTTP and JSON work does not share a core with the broker it
 * measures (the machine has two), and whatever else runs on the machine slows every kind alike.
 * Returns exchanges/s of each kind in each slice.
 */
async function slicesInChild(targets: readonly Target[]): Promise<Record<Kind, number[]>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'client', JSON.stringify(targets)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load client exited with ${code}`);
  return JSON.parse(out.trim()) as Record<Kind, number[]>;
}

/** The client's side of {@link slicesInChild}. */
async function runSlices(targets: readonly Target[]): Promise<Record<Kind, number[]>> {
  const rates = Object.fromEntries(targets.map((t) => [t.kind, [] as number[]])) as Record<
    Kind,
    number[]
  >;
  for (let slice = 0; slice < SLICES; slice += 1) {
    for (let i = 0; i < targets.length; i += 1) {
      const t = targets[(slice + i) % targets.length]!;
      rates[t.kind].push(await load(t.url, t.e, SLICE_SECONDS));
    }
  }
  return rates;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Redis commands per exchange, over sequential exchanges after a first one. */
async function roundTrips(r: Running, e: Exchange, n = 20): Promise<number> {
  await exchangeOnce(r.server.url, e);
  const before = r.commands();
  for (let i = 0; i < n; i += 1) await exchangeOnce(r.server.url, e);
  return (r.commands() - before) / n;
}

const KINDS = ['plain', 'delegated, depth 1', 'delegated, depth 2'] as const;
type Kind = (typeof KINDS)[number];

/**
 * The exchange of each kind on a fresh broker: the research agent's own (plain), the
 * summarizer's on the research agent's token (depth 1), and summarizer/deep's on the
 * summarizer's token (depth 2). The parent tokens are minted once and reused by every exchange.
 */
async function exchangesOf(
  url: string,
  svid: (path: string) => Promise<string>,
): Promise<Record<Kind, Exchange>> {
  const research = await svid('/agent/research/web');
  const summarizer = await svid('/agent/summarizer');
  const deep = await svid('/agent/summarizer/deep');
  const root = await exchangeOrThrow(url, research, {
    intent: { purpose: 'bench', targets: ['T-1'] },
  });
  const delegate = { subject_token_type: ACCESS_TOKEN, actor_token_type: JWT };
  const hop = await exchangeOrThrow(url, root.token, {
    ...delegate,
    actor_token: summarizer,
    intent: { purpose: 'bench', targets: ['T-1'] },
  });
  return {
    plain: { subject: research },
    'delegated, depth 1': { subject: root.token, actor: summarizer },
    'delegated, depth 2': { subject: hop.token, actor: deep },
  };
}

async function main(): Promise<void> {
  const td = await createTestTrustDomain('bench.example');
  const svid = (path: string) => td.svid({ path, expiresIn: 3600 });
  const issuer = 'http://mandate.bench';
  console.log(
    `delegation benchmark: Redis store, example policies, loop rules on; the kinds in turn, ${SLICE_SECONDS}s each, ${SLICES} times over; ${CONCURRENCY} concurrent clients in a child process`,
  );
  // a broker per kind, so no kind runs on a store the others fill
  const running = await Promise.all(KINDS.map(() => start(issuer, td)));
  try {
    const targets: Target[] = [];
    for (const [i, kind] of KINDS.entries()) {
      const r = running[i]!;
      const e = (await exchangesOf(r.server.url, svid))[kind];
      const trips = await roundTrips(r, e);
      console.log(`round trips, ${kind.padEnd(18)}: ${trips.toFixed(2)} Redis commands/exchange`);
      targets.push({ kind, url: r.server.url, e });
    }
    if (process.env.BENCH_ONLY === 'trips') return;
    for (const t of targets) await load(t.url, t.e, 2); // JIT warm-up
    const rates = await slicesInChild(targets);
    for (const kind of KINDS) {
      const r = rates[kind];
      console.log(
        `${kind.padEnd(18)} ${median(r).toFixed(0).padStart(6)} exchanges/s (median of ${r.length} slices; ${Math.min(...r).toFixed(0)}-${Math.max(...r).toFixed(0)})`,
      );
    }
    for (const kind of KINDS.slice(1)) {
      // the ratio in each cycle of slices, run back to back, then its median
      const cost = median(rates.plain.map((p, i) => p / rates[kind][i]!));
      console.log(
        `cost of one exchange, ${kind} / plain: ${cost.toFixed(2)} (goal: at most 1.50) ${cost <= 1.5 ? 'ok' : 'OVER'}`,
      );
    }
  } finally {
    for (const r of running) {
      await r.server.close();
      await clearPrefix(r.prefix);
    }
  }
}

if (process.argv[2] === 'client') {
  const targets = JSON.parse(process.argv[3]!) as Target[];
  console.log(JSON.stringify(await runSlices(targets)));
  process.exit(0);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
  process.exit(0);
}
