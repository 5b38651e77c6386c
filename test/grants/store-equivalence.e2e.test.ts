import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import { testClock } from './store-harness.js';
import { connectRedis, deleteKeys, redisStore, uniquePrefix } from './redis-support.js';
import { COMMANDS, RATE, RETENTION_MS, type Pair } from './store-commands.js';

// The memory store and the Redis store are one behaviour: random sequences of exchanges,
// repeats, completions, revocations, blocks, unblocks, resumes and clock moves run against both
// side by side, and any difference in an answer or in the state afterwards fails the test.
// The sequences run in BATCHES tests of RUNS_PER_BATCH each, batch i on seed SEED + i, so each
// test fits its timeout on a loaded machine while all RUNS still run. A failure names its seed
// and path in the error; replay it with FC_SEED=<seed> FC_PATH=<path> (that batch alone runs).

const SEED = process.env.FC_SEED === undefined ? Date.now() ^ 0 : Number(process.env.FC_SEED);
const PATH = process.env.FC_PATH;
const BATCHES = PATH === undefined ? 4 : 1;
const RUNS_PER_BATCH = 50;
/** A clock start on a rate-window boundary, fixed so no run depends on today's date. */
const START = Math.ceil(1_900_000_000_000 / RATE.windowMs) * RATE.windowMs;

describe('memory and Redis stores, side by side on random sequences', () => {
  let redis: Redis;
  beforeAll(async () => {
    // thousands of commands a batch: a slow machine delays them, it must not fail them
    redis = await connectRedis(undefined, 30_000);
  });
  afterAll(() => redis.disconnect());

  it.each(Array.from({ length: BATCHES }, (_, i) => SEED + i))(
    `answer and end up the same (${RUNS_PER_BATCH} sequences on seed %i)`,
    async (seed) => {
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.commands(COMMANDS, { maxCommands: 50, size: 'medium' }),
            async (commands) => {
              const clock = testClock(START);
              const prefix = uniquePrefix();
              const pair: Pair = {
                memory: new MemoryGrantStore({ clock, revocationRetentionMs: RETENTION_MS }),
                redis: redisStore(redis, prefix, clock, RETENTION_MS),
                clock,
                jtis: [],
              };
              try {
                await fc.asyncModelRun(() => ({ model: {}, real: pair }), commands);
              } finally {
                await Promise.all([pair.memory.close(), pair.redis.close()]);
                await deleteKeys(redis, prefix);
              }
            },
          ),
          { seed, numRuns: RUNS_PER_BATCH, ...(PATH !== undefined ? { path: PATH } : {}) },
        );
      } catch (err) {
        // fast-check's message has the path and counterexample; the seed leads, whatever cut it
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`store equivalence failed, replay with FC_SEED=${seed}:\n${message}`, {
          cause: err,
        });
      }
    },
    180_000,
  );
});
