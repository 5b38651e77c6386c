// The floor benchmark: the broker against the least a server doing a token exchange must do,
// and against node-oidc-provider, in one run (docs/performance.md, "Measuring").
//
//   npm run bench bench/floor.ts
//
// Each server runs in a process of its own, the load generator (autocannon) in another:
//   broker        `node bin/mandate.js serve` (dist/ rebuilt first when older than src/), the
//                 example config's catalogue, tiers, limits and loop rules (rate limit raised,
//                 see bench/floor/broker-setup.ts), shipped policies, Redis on a private
//                 prefix, a trust domain of the bench's own, `--workers N` when serve has it;
//   floor         bench/floor/floor-server.ts: node:http, jose verify + sign (ES256), one
//                 EVALSHA recording the grant; one process;
//   floor xN      the same under node:cluster with N workers (skipped when N is 1);
//   oidc-provider client_credentials, JWT access tokens signed ES256, one process.
// Rounds interleave the servers (each round starts one server further on); each run is
// preceded by a warm-up. A run with more than 0.1 % answers not 2xx is FAILED, not a rate.
//
// Knobs (environment), with defaults:
//   BENCH_SECONDS=10        seconds of each measured run
//   BENCH_WARMUP_SECONDS=3  seconds of load before each measured run (not counted); before
//                           a server's first run, 2 x BENCH_SECONDS if that is longer
//   BENCH_ROUNDS=5          rounds; medians are over them
//   BENCH_CONNECTIONS=50    concurrent keep-alive connections, one request in flight on each
//   BENCH_WORKERS=<os.availableParallelism()>  N for `serve --workers N` and "floor xN"
//   BENCH_AGENTS=200        distinct agents (SVIDs) the exchanges are dealt over
//   BENCH_REDIS_URL         a Redis to use; default: a redis-server of the bench's own on a free
//                           port, so no other client's commands count in its CPU per exchange
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startOwnRedis } from '../test/support/own-redis.js';
import { createTestTrustDomain } from '../test/support/trust-domain.js';
import { freePort } from '../test/support/free-port.js';
import {
  BENCH_RATE_LIMIT,
  REPO,
  ensureBuilt,
  serveTakesWorkers,
  writeBrokerConfig,
} from './floor/broker-setup.js';
import { checkFirstToken, type TokenEndpoint } from './floor/check-token.js';
import { onInterrupt, startServer, stopAll, type ServerProcess } from './floor/children.js';
import { floorConfig } from './floor/floor-server.js';
import type { LoadJob } from './floor/load-client.js';
import { MAX_ERROR_SHARE, measure, type Run } from './floor/measure.js';
import { deleteKeys } from '../test/grants/redis-support.js';
import { prefixMemory } from './floor/redis-stats.js';
import { ratio, runLine, summarize, summaryLine, type Summary } from './floor/report.js';
import { SVID_AUDIENCE, TASK_EXCHANGES, TICKETS } from './floor/requests.js';

function knob(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const SECONDS = knob('BENCH_SECONDS', 10);
const WARMUP = knob('BENCH_WARMUP_SECONDS', 3);
const ROUNDS = knob('BENCH_ROUNDS', 5);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 50);
const WORKERS = knob('BENCH_WORKERS', availableParallelism());
const AGENTS = knob('BENCH_AGENTS', 200);
/** The Redis every server uses: BENCH_REDIS_URL, else one the bench starts (set in main). */
let REDIS_URL = process.env.BENCH_REDIS_URL ?? '';

/** A server under test, started. */
interface Target extends TokenEndpoint {
  readonly name: string;
  readonly process: ServerProcess;
  /** Its Redis prefix, when it keeps grants in Redis. */
  readonly prefix?: string;
}

/** The environment of a server: the bench's own, without what would override its config. */
function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The overrides `mandate serve` reads; LOG_LEVEL too, so the broker logs at its default.
  for (const name of OVERRIDES) delete env[name];
  return { ...env, ...extra };
}

const OVERRIDES = [
  'PORT',
  'REDIS_URL',
  'MANDATE_ISSUER',
  'MANDATE_CONFIG',
  'MANDATE_WORKERS',
  'LOG_LEVEL',
] as const;

/** Starts the servers; each Redis prefix goes into `prefixes` before its server starts. */
async function startTargets(
  dir: string,
  run: string,
  prefixes: string[],
): Promise<{ targets: Target[]; shape: string }> {
  const td = await createTestTrustDomain('bench.example', dir);
  const svids = await Promise.all(
    Array.from({ length: AGENTS }, (_, i) =>
      td.svid({ path: `/agent/triage/${i}`, audience: SVID_AUDIENCE, expiresIn: 6 * 3600 }),
    ),
  );
  writeFileSync(join(dir, 'svids.json'), JSON.stringify(svids));
  // Passed whenever serve has it, 1 included: its default is one worker per core.
  const withWorkers = serveTakesWorkers();
  const brokerPort = await freePort();
  const brokerPrefix = `mfloor-${run}-broker`;
  prefixes.push(brokerPrefix);
  const configFile = await writeBrokerConfig(dir, {
    trustDomain: td.trustDomain,
    bundleFile: td.bundleFile,
    port: brokerPort,
    redisUrl: REDIS_URL,
    prefix: brokerPrefix,
  });
  const serveArgs = ['bin/mandate.js', 'serve', '--config', configFile];
  if (withWorkers) serveArgs.push('--workers', String(WORKERS));
  const shape = withWorkers
    ? `node ${serveArgs.join(' ')}`
    : `node ${serveArgs.join(' ')}  (one process: this build of serve has no --workers)`;
  const brokerUrl = `http://127.0.0.1:${brokerPort}`;
  const targets: Target[] = [];
  targets.push({
    name: 'broker',
    kind: 'exchange',
    url: brokerUrl,
    jwksPath: '/.well-known/jwks.json',
    prefix: brokerPrefix,
    process: await startServer({
      name: 'broker',
      args: serveArgs,
      cwd: REPO,
      env: serverEnv(),
      ready: { poll: `${brokerUrl}/readyz`, url: brokerUrl },
    }),
  });
  for (const workers of WORKERS > 1 ? [1, WORKERS] : [1]) {
    const name = workers === 1 ? 'floor' : `floor x${workers}`;
    const prefix = `mfloor-${run}-floor${workers}`;
    prefixes.push(prefix);
    const config = floorConfig({
      td,
      port: await freePort(),
      redisUrl: REDIS_URL,
      prefix,
      workers,
    });
    const floor = await startServer({
      name,
      args: ['--import', 'tsx', join(REPO, 'bench', 'floor', 'floor-server.ts')],
      cwd: REPO,
      env: serverEnv({ FLOOR_CONFIG: JSON.stringify(config) }),
      ready: { line: true },
    });
    targets.push({
      name,
      kind: 'exchange',
      url: floor.url,
      jwksPath: '/.well-known/jwks.json',
      prefix,
      process: floor,
    });
  }
  const oidc = await startServer({
    name: 'oidc-provider',
    args: ['--import', 'tsx', join(REPO, 'bench', 'floor', 'oidc-server.ts')],
    cwd: REPO,
    env: serverEnv({ OIDC_CONFIG: JSON.stringify({ host: '127.0.0.1', port: await freePort() }) }),
    ready: { line: true },
  });
  targets.push({
    name: 'oidc-provider',
    kind: 'client_credentials',
    url: oidc.url,
    jwksPath: '/jwks',
    process: oidc,
  });
  // The first answer of each, to the request the load sends, must be a valid token.
  for (const t of targets) {
    const claims = await checkFirstToken(t, {
      svid: svids[0]!,
      taskId: `${run}-check-${t.name.replace(/\W/g, '')}`,
      n: 0,
    });
    console.log(
      `first token of ${t.name.padEnd(14)} verified: sub ${claims.sub}, aud ${String(claims.aud)}, scope ${String(claims.scope)}`,
    );
  }
  return { targets, shape };
}

function job(dir: string, t: Target, seconds: number, run: string): LoadJob {
  return {
    url: t.url,
    kind: t.kind,
    connections: CONNECTIONS,
    seconds,
    svidsFile: join(dir, 'svids.json'),
    run,
  };
}

async function main(): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'mandate-floor-'));
  const own = REDIS_URL === '' ? await startOwnRedis() : undefined;
  if (own) REDIS_URL = own.url;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
  await redis.connect();
  const prefixes: string[] = [];
  let cleaned: Promise<void> | undefined;
  // Once, whether the bench ends, fails or is interrupted.
  const cleanUp = () =>
    (cleaned ??= (async () => {
      await stopAll();
      for (const prefix of prefixes) await deleteKeys(redis, prefix);
      redis.disconnect();
      await own?.stop();
      rmSync(dir, { recursive: true, force: true });
    })());
  onInterrupt(cleanUp);
  try {
    console.log(
      `floor benchmark: ${ROUNDS} rounds, ${SECONDS}s per run after ${WARMUP}s warm-up (${Math.max(WARMUP, 2 * SECONDS)}s before the first), ${CONNECTIONS} connections, N = ${WORKERS} workers, ${AGENTS} agents, tasks of ${TASK_EXCHANGES} exchanges`,
    );
    console.log(
      `node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at start (other work on the machine slows every server; compare within a run)`,
    );
    console.log(ensureBuilt());
    const { targets, shape } = await startTargets(dir, run, prefixes);
    console.log(`broker: ${shape}`);
    console.log(
      `broker loop rules: example defaults, rate limit ${BENCH_RATE_LIMIT.max}/${BENCH_RATE_LIMIT.window} per agent; resource ${TICKETS.key}`,
    );
    console.log(`a run with more than ${MAX_ERROR_SHARE * 100} % answers not 2xx is FAILED\n`);
    const runs = new Map<string, Run[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      // Each round starts one server further on, so no server always follows the same one.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const t of order) {
        const gone = t.process.exited();
        if (gone) throw new Error(gone);
        const id = `${run}-r${round}-${t.name.replace(/\W/g, '')}`;
        // A server's first warm-up is longer: the broker's JIT takes tens of seconds to settle.
        const warmup = round === 0 ? Math.max(WARMUP, 2 * SECONDS) : WARMUP;
        await measure(dir, t.process.pid, redis, job(dir, t, warmup, `${id}-warm`));
        const result = await measure(dir, t.process.pid, redis, job(dir, t, SECONDS, id));
        runs.get(t.name)!.push(result);
        console.log(runLine(`round ${round + 1}`, t.name, result, t.prefix !== undefined));
      }
    }
    console.log('');
    const summaries = new Map<string, Summary>();
    for (const t of targets) {
      const s = summarize(runs.get(t.name)!);
      summaries.set(t.name, s);
      console.log(summaryLine(t.name, s, ROUNDS, t.prefix !== undefined));
    }
    const broker = summaries.get('broker')!;
    const floor = summaries.get('floor')!;
    const floorN = summaries.get(`floor x${WORKERS}`) ?? floor;
    const oidc = summaries.get('oidc-provider')!;
    console.log('');
    console.log(
      `broker/floor           exchanges/s ${ratio(broker.rate, floor.rate)}   p99 ${ratio(broker.p99, floor.p99)}   cpu/exchange ${ratio(broker.serverMicros, floor.serverMicros)}`,
    );
    console.log(
      `broker/(floor x${WORKERS})${' '.repeat(Math.max(0, 6 - String(WORKERS).length))} exchanges/s ${ratio(broker.rate, floorN.rate)}   p99 ${ratio(broker.p99, floorN.p99)}`,
    );
    console.log(
      `broker/oidc-provider   exchanges/s ${ratio(broker.rate, oidc.rate)}   p99 ${ratio(broker.p99, oidc.p99)}   cpu/exchange ${ratio(broker.serverMicros, oidc.serverMicros)}`,
    );
    console.log('');
    for (const t of targets.filter((x) => x.prefix !== undefined)) {
      const isGrant =
        t.name === 'broker'
          ? (k: string) => k.includes('}:grant:')
          : (k: string) => k.includes(':grant:');
      const m = await prefixMemory(redis, t.prefix!, isGrant);
      console.log(
        `redis memory, ${t.name.padEnd(10)}: ${m.keys} keys, ${(m.bytes / 1e6).toFixed(1)} MB, ${m.grants} live grants, ${m.grants > 0 ? (m.bytes / m.grants).toFixed(0) : '-'} bytes per live grant`,
      );
    }
  } finally {
    await cleanUp();
  }
}

await main();
process.exit(0);
