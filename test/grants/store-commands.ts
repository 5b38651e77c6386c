import fc from 'fast-check';
import type { GrantRecord, GrantStore } from '../../src/grants/grant-store.js';
import type { LoopLimits, RateLimit } from '../../src/grants/loop-rules.js';
import { allPages, type TestClock } from './store-harness.js';

// The commands of the model-based test (store-equivalence.e2e.test.ts): each runs one operation
// on the memory store and on the Redis store and fails on any difference in what they answer.
// The clock moves in steps of 5 s from a start aligned to the rate window, so no key TTL Redis
// computes from the broker clock is shorter than 5 s of real time (a sequence takes far less).

export const AGENTS = ['spiffe://model.example/agent/a', 'spiffe://model.example/agent/b'];
export const TASKS = ['T-1', 'T-2', 'T-3'];
const FINGERPRINTS = ['fp-a', 'fp-b'];

/** Tight limits, so that sequences of a few dozen commands trip every rule. */
export const LOOPS: LoopLimits = {
  windowMs: 30_000,
  maxExchanges: 4,
  maxIdentical: 2,
  maxGrants: 6,
  maxLiveGrants: 3,
  maxTaskAgeMs: 120_000,
  agentWindowMs: 300_000,
  maxHaltedTasks: 2,
  blockForMs: 60_000,
};
export const RATE: RateLimit = { max: 5, windowMs: 20_000 };
export const MAX_TASK_AGE_S = 600;
/** Two active tasks an agent: a third of the three task ids is refused while two are active. */
export const MAX_LIVE_TASKS = 2;
export const RETENTION_MS = 240_000;

/** The two stores on one clock, and what the sequence has handed out so far. */
export interface Pair {
  readonly memory: GrantStore;
  readonly redis: GrantStore;
  readonly clock: TestClock;
  readonly jtis: string[];
  last?: Exchange;
  /** The last grant recorded, a parent for `delegate`. */
  lastGrant?: GrantRecord;
}

interface Exchange {
  readonly agent: string;
  readonly task: string;
  readonly fp: string;
  readonly ttl: number;
}

/** One command: a label for the counterexample and what it runs on one store. */
type Command = fc.AsyncCommand<object, Pair>;

/** Runs `op` on both stores and expects the same answer. */
async function both<T>(pair: Pair, op: (store: GrantStore) => Promise<T>): Promise<void> {
  const memory = await op(pair.memory);
  const redis = await op(pair.redis);
  expect(redis).toEqual(memory);
}

/** A command that, after `run`, expects both stores to show the same state. */
const command = (label: string, run: (pair: Pair) => Promise<void>): Command => ({
  check: () => true,
  run: async (_model, pair) => {
    await run(pair);
    const recent = pair.jtis.slice(-3);
    const memory = await observe(pair.memory, recent);
    expect(await observe(pair.redis, recent)).toEqual(memory);
  },
  toString: () => label,
});

function exchange(e: Exchange): Command {
  return command(`exchange(${e.agent.slice(-1)}, ${e.task}, ${e.fp}, ${e.ttl}s)`, async (pair) => {
    pair.last = e;
    const now = pair.clock.now();
    const jti = `g-${pair.jtis.length}`;
    pair.jtis.push(jti);
    const grant: GrantRecord = {
      jti,
      agentId: e.agent,
      taskId: e.task,
      resource: 'tickets',
      audience: 'https://tickets.example',
      scopes: ['tickets:read'],
      tier: 'read',
      targets: [e.fp],
      issuedAt: Math.floor(now / 1000),
      expiresAt: Math.floor(now / 1000) + e.ttl,
    };
    await recordBoth(pair, grant, e);
  });
}

/** Records `grant` on both stores, expecting the same answer; remembers it when recorded. */
async function recordBoth(pair: Pair, grant: GrantRecord, e: Omit<Exchange, 'agent'>) {
  const now = pair.clock.now();
  let recorded = false;
  await both(pair, async (s) => {
    const result = await s.recordGrant({
      grant,
      purpose: `work on ${e.task}`,
      now,
      maxTaskAgeSeconds: MAX_TASK_AGE_S,
      fingerprint: e.fp,
      loops: LOOPS,
      rateLimit: RATE,
      maxLiveTasks: MAX_LIVE_TASKS,
    });
    recorded = result.ok;
    return result;
  });
  if (recorded) pair.lastGrant = grant;
}

/**
 * The other agent's exchange on the last recorded grant's token (delegation): its grant
 * carries that grant in its lineage, so it dies with it.
 */
function delegate(e: Omit<Exchange, 'agent'>): Command {
  return command(`delegate(${e.task}, ${e.fp})`, async (pair) => {
    const parent = pair.lastGrant;
    if (!parent) return;
    const agentId = AGENTS.find((a) => a !== parent.agentId)!;
    const now = pair.clock.now();
    const jti = `g-${pair.jtis.length}`;
    pair.jtis.push(jti);
    await recordBoth(
      pair,
      {
        ...parent,
        jti,
        agentId,
        taskId: e.task,
        issuedAt: Math.floor(now / 1000),
        expiresAt: Math.floor(now / 1000) + e.ttl,
        delegation: {
          subject: parent.agentId,
          actors: [agentId],
          lineage: [
            ...(parent.delegation?.lineage ?? []),
            {
              client_id: parent.agentId,
              task: parent.taskId,
              jti: parent.jti,
              iat: parent.issuedAt,
            },
          ],
        },
      },
      e,
    );
  });
}

/** An exchange that asks for approval: counted as one, nothing granted. */
function attempt(e: Omit<Exchange, 'ttl'>): Command {
  return command(`attempt(${e.agent.slice(-1)}, ${e.task}, ${e.fp})`, async (pair) => {
    const attemptId = `a-${pair.jtis.length}`;
    pair.jtis.push(attemptId);
    await both(pair, (s) =>
      s.recordAttempt({
        agentId: e.agent,
        taskId: e.task,
        attemptId,
        purpose: `work on ${e.task}`,
        now: pair.clock.now(),
        maxTaskAgeSeconds: MAX_TASK_AGE_S,
        fingerprint: e.fp,
        loops: LOOPS,
        rateLimit: RATE,
        maxLiveTasks: MAX_LIVE_TASKS,
      }),
    );
  });
}

const agent = fc.constantFrom(...AGENTS);
const task = fc.constantFrom(...TASKS);

/** Every command the sequences are made of, weighted towards exchanges. */
export const COMMANDS: fc.Arbitrary<Command>[] = [
  fc
    .record({
      agent,
      task,
      fp: fc.constantFrom(...FINGERPRINTS),
      ttl: fc.constantFrom(5, 30, 300),
    })
    .map(exchange),
  fc
    .record({ agent, task, fp: fc.constantFrom(...FINGERPRINTS), ttl: fc.constantFrom(30) })
    .map(exchange),
  fc.record({ agent, task, fp: fc.constantFrom(...FINGERPRINTS) }).map(attempt),
  fc
    .record({ task, fp: fc.constantFrom(...FINGERPRINTS), ttl: fc.constantFrom(30, 300) })
    .map(delegate),
  fc.constant(
    command('repeat last exchange', async (pair) => {
      if (pair.last) await exchange(pair.last).run({}, pair);
      // (the state was compared by the exchange itself)
    }),
  ),
  fc
    .tuple(agent, task)
    .map(([a, t]) =>
      command(`complete(${a.slice(-1)}, ${t})`, (pair) =>
        both(pair, (s) => s.endTask(a, t, 'completed', 'completed by agent')),
      ),
    ),
  fc
    .tuple(agent, task)
    .map(([a, t]) =>
      command(`revokeTask(${a.slice(-1)}, ${t})`, (pair) =>
        both(pair, (s) => s.endTask(a, t, 'revoked', 'operator')),
      ),
    ),
  fc.tuple(agent, fc.nat(40)).map(([a, n]) =>
    command(`revokeGrant(${a.slice(-1)}, #${n})`, async (pair) => {
      const jti = pair.jtis.length === 0 ? 'none' : pair.jtis[n % pair.jtis.length]!;
      await both(pair, (s) => s.revokeGrant(a, jti, 'operator'));
    }),
  ),
  agent.map((a) =>
    command(`revokeAgent(${a.slice(-1)})`, (pair) =>
      both(pair, (s) => s.revokeAgent(a, 'incident')),
    ),
  ),
  fc
    .tuple(agent, fc.constantFrom(5, 60, 600))
    .map(([a, seconds]) =>
      command(`block(${a.slice(-1)}, ${seconds}s)`, (pair) =>
        both(pair, (s) => s.blockAgent(a, pair.clock.now() + seconds * 1000, 'blocked')),
      ),
    ),
  agent.map((a) =>
    command(`unblock(${a.slice(-1)})`, (pair) => both(pair, (s) => s.unblockAgent(a))),
  ),
  fc
    .tuple(agent, task)
    .map(([a, t]) =>
      command(`resume(${a.slice(-1)}, ${t})`, (pair) => both(pair, (s) => s.resumeTask(a, t))),
    ),
  fc.integer({ min: 1, max: 40 }).map((steps) =>
    command(`advance(${steps * 5}s)`, (pair) => {
      pair.clock.advance(steps * 5000);
      return Promise.resolve();
    }),
  ),
];

/**
 * What anyone can observe of a store: every task and live grant in listing order, read in
 * pages of two (so the cursors are compared too), each agent's own listings, the lookups of
 * the grants `jtis` (under each agent), every block and feed entry (with its id: both stores make ids the same way).
 */
export async function observe(store: GrantStore, jtis: string[] = []) {
  // read side by side: nothing changes the store meanwhile, and the waits on Redis overlap
  const [tasks, grants, ofAgents, blocks, lookups, feed] = await Promise.all([
    allPages((page) => store.listTasks({}, page), 2),
    allPages((page) => store.listGrants({}, page), 2),
    Promise.all(
      AGENTS.map(async (agentId) => ({
        tasks: await allPages((page) => store.listTasks({ agentId }, page), 2),
        grants: await allPages((page) => store.listGrants({ agentId }, page), 2),
      })),
    ),
    Promise.all(AGENTS.map((a) => store.blockedUntil(a))),
    Promise.all(AGENTS.flatMap((a) => jtis.map((jti) => store.getGrant(a, jti)))),
    store.revocations(undefined, 1000),
  ]);
  return { tasks, grants, ofAgents, blocks, lookups, feed };
}
