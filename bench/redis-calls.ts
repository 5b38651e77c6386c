// Redis commands one exchange's record script runs, counted by Redis itself: each scenario runs
// on a redis-server of its own after CONFIG RESETSTAT, through the real RedisGrantStore, and
// reads INFO commandstats (commands a script calls are counted there, each under its name).
// Scenarios: a new task and a continuing task, without limits and with the default config's
// loop rules, rate limit and live-task bound. Prints calls per exchange with their breakdown,
// and the µs Redis spent per script run and in the calls it made (noisy on a shared machine: a
// script preempted midway counts the wait; the calls are exact).
// Run: npm run bench bench/redis-calls.ts     Env: BENCH_EXCHANGES (default 15).
import type { Redis } from 'ioredis';
import type { RecordGrantInput } from '../src/grants/grant-records.js';
import {
  agentIds,
  benchGrant,
  benchStore,
  DEFAULT_LIMITS,
  privateRedis,
  recordOk,
  benchFingerprint,
  taskId,
} from './redis-store-bench.js';

const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 15);
type Limits = Pick<RecordGrantInput, 'loops' | 'rateLimit' | 'maxLiveTasks'>;

/** INFO commandstats as command -> {calls, usec}. */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of (await redis.info('commandstats')).matchAll(
    /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm,
  ))
    out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

const SCRIPT_COMMANDS = new Set(['evalsha', 'eval', 'script']);
const OWN_COMMANDS = new Set(['info', 'config', 'ping', 'hello', 'client', 'select']);

/**
 * Runs `EXCHANGES` exchanges of one agent, each on a new task (`newTask`) or all on one task
 * after a first one that starts it (not counted), the clock 5 s apart; prints the counts.
 */
async function scenario(redis: Redis, label: string, newTask: boolean, limits: Limits) {
  const prefix = `mbench-calls`;
  let now = 1_900_000_000_000;
  const store = benchStore(redis, prefix, { now: () => now });
  const [agent] = agentIds(1) as [string];
  const task = taskId();
  await recordOk(store, benchGrant(agent, task, now), now, limits, benchFingerprint('start'));
  await redis.config('RESETSTAT');
  for (let i = 0; i < EXCHANGES; i += 1) {
    now += 5000;
    const grant = { ...benchGrant(agent, newTask ? taskId() : task, now) };
    await recordOk(
      store,
      { ...grant, expiresAt: grant.issuedAt + 60 },
      now,
      limits,
      benchFingerprint(i),
    );
  }
  const stats = await commandStats(redis);
  let calls = 0;
  let usec = 0;
  const parts: string[] = [];
  for (const [name, s] of [...stats].sort((a, b) => b[1].calls - a[1].calls)) {
    if (SCRIPT_COMMANDS.has(name) || OWN_COMMANDS.has(name.split('|')[0]!)) continue;
    calls += s.calls;
    usec += s.usec;
    parts.push(`${name} ${+(s.calls / EXCHANGES).toFixed(2)}`);
  }
  const script = stats.get('evalsha') ?? { calls: 0, usec: 0 };
  const ran = script.calls + (stats.get('eval')?.calls ?? 0);
  console.log(
    `${label.padEnd(34)} ${(calls / EXCHANGES).toFixed(2)} calls/exchange, ` +
      `${ran / EXCHANGES} script runs/exchange, ${Math.round(script.usec / Math.max(1, script.calls))} µs/script ` +
      `of which ${(usec / EXCHANGES).toFixed(1)} µs in its calls`,
  );
  console.log(`  ${parts.join(', ')}`);
  await store.close();
  await redis.flushall();
}

const { redis, stop } = await privateRedis();
try {
  await scenario(redis, 'new task, no loop rules', true, {});
  await scenario(redis, 'continuing task, no loop rules', false, {});
  await scenario(redis, 'new task, default limits', true, DEFAULT_LIMITS);
  await scenario(redis, 'continuing task, default limits', false, DEFAULT_LIMITS);
} finally {
  await stop();
}
