// Redis memory per live grant: records TASKS tasks holding G grants each (G = 1 and 10) through
// the real RedisGrantStore on a redis-server of its own, under the default prefix, with the
// default config's loop rules, rate limit and live-task bound; agents hold one task each (each
// agent's own keys weigh on one task: the costliest case) or ten. Prints the bytes per grant by
// the sum of MEMORY USAGE over every key of the prefix (SCAN) and by the used_memory delta, and
// the share of each kind of key; then deletes the keys. (An agent's rate counter lives one rate
// window of real time, so on a slow run some are gone before they are summed.)
// Run: npm run bench bench/redis-memory.ts     Env: BENCH_TASKS (default 500).
import { DEFAULTS } from '../src/config/defaults.js';
import { deleteKeys } from '../test/grants/redis-support.js';
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
import type { Redis } from 'ioredis';

const TASKS = Number(process.env.BENCH_TASKS ?? 500);

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** Every key of `prefix`, with its MEMORY USAGE (all samples of nested values). */
async function keyUsage(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) out.set(key, Number(await redis.memory('USAGE', key, 'SAMPLES', 0)));
  } while (cursor !== '0');
  return out;
}

/** A key's kind: its name with the agent hash and ids taken out. */
const kindOf = (key: string, prefix: string): string =>
  key
    .slice(prefix.length + 1)
    .replace(/^\{[0-9a-f]{16}\}:/, '{agent}:')
    .replace(/:[^:]+$/, (tail) => (/^:[a-z_]+$/.test(tail) ? tail : ':<id>'));

async function measure(redis: Redis, grantsPerTask: number, tasksPerAgent: number) {
  const prefix = DEFAULTS.storePrefix;
  const now = Date.now();
  const clock = { now: () => now };
  const store = benchStore(redis, prefix, clock);
  const agents = agentIds(TASKS / tasksPerAgent);
  // the record script's text is held by Redis once: load it first, so it is not counted
  const warm = benchStore(redis, 'mbench-warmup', clock);
  await recordOk(
    warm,
    benchGrant('warmup', taskId(), now),
    now,
    DEFAULT_LIMITS,
    benchFingerprint(0),
  );
  await warm.close();
  await deleteKeys(redis, 'mbench-warmup');
  const before = await usedMemory(redis);
  for (const agent of agents)
    for (let t = 0; t < tasksPerAgent; t += 1) {
      const task = taskId();
      for (let g = 0; g < grantsPerTask; g += 1)
        await recordOk(
          store,
          benchGrant(agent, task, now),
          now,
          DEFAULT_LIMITS,
          benchFingerprint(g % 3),
        );
    }
  const after = await usedMemory(redis);
  const usage = await keyUsage(redis, prefix);
  const grants = TASKS * grantsPerTask;
  let sum = 0;
  const byKind = new Map<string, { keys: number; bytes: number }>();
  for (const [key, bytes] of usage) {
    sum += bytes;
    const kind = kindOf(key, prefix);
    const k = byKind.get(kind) ?? { keys: 0, bytes: 0 };
    byKind.set(kind, { keys: k.keys + 1, bytes: k.bytes + bytes });
  }
  console.log(
    `G=${grantsPerTask}, ${tasksPerAgent} task(s) an agent: ${TASKS} tasks x ${grantsPerTask} grants, ${usage.size} keys: ` +
      `${Math.round(sum / grants)} B/grant by MEMORY USAGE, ` +
      `${Math.round((after - before) / grants)} B/grant by used_memory`,
  );
  // what a task brings (its hash and its grants' keys) against what its agent holds once
  // whatever its number of tasks (indexes, rate counter, its member of the agents index)
  let own = 0;
  for (const [kind, k] of byKind) if (/:(task|grant):<id>$/.test(kind)) own += k.bytes;
  console.log(
    `  a task's own keys ${Math.round(own / grants)} B/grant; its agent's ${Math.round((sum - own) / agents.length)} B/agent`,
  );
  for (const [kind, k] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes))
    console.log(
      `  ${kind.padEnd(24)} ${String(k.keys).padStart(6)} keys ${String(Math.round(k.bytes / grants)).padStart(5)} B/grant`,
    );
  await store.close();
  await deleteKeys(redis, prefix);
}

const { redis, stop } = await privateRedis();
try {
  for (const tasksPerAgent of [1, 10]) {
    await measure(redis, 1, tasksPerAgent);
    await measure(redis, 10, tasksPerAgent);
  }
} finally {
  await stop();
}
