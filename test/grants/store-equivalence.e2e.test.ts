import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import { testClock } from './store-harness.js';
import { connectRedis, deleteKeys, redisStore, uniquePrefix } from './redis-support.js';
import { COMMANDS, RATE, RETENTION_MS, type Pair } from './store-commands.js';

// The memory store and the Redis store are one behaviour: random sequences of exchanges,
// repeats, completions, revocations, blocks, unblocks, resumes and clock moves run against both
// side by side, and any difference in an answer or in the state afterwards fails the test.
// A failure prints its seed and path; replay it with FC_SEED=<seed> (and the path fast-check
// prints, as FC_PATH=<path>).

const SEED = process.env.FC_SEED === undefined ? Date.now() ^ 0 : Number(process.env.FC_SEED);
const PATH = process.env.FC_PATH;
const RUNS = 200;
/** A clock start on a rate-window boundary, fixed so no run depends on today's date. */
const START = Math.ceil(1_900_000_000_000 / RATE.windowMs) * RATE.windowMs;

describe('memory and Redis stores, side by side on random sequences', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis();
  });
  afterAll(() => redis.disconnect());

  it(`answer and end up the same (${RUNS} sequences)`, async () => {
    console.info(`store equivalence: seed ${SEED} (replay with FC_SEED=${SEED})`);
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
      { seed: SEED, numRuns: RUNS, ...(PATH !== undefined ? { path: PATH } : {}) },
    );
  }, 180_000);
});
