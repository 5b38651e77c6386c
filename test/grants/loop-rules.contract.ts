import type { GrantRecord, GrantStore, RecordGrantResult } from '../../src/grants/grant-store.js';
import { LOOP_RULES, type LoopLimits } from '../../src/grants/loop-rules.js';
import {
  MAX_TASK_AGE_S,
  makeGrant,
  recordInput,
  testClock,
  type StoreHarness,
  type TestClock,
} from './store-harness.js';
import { CONTRACT_STARTS } from '../support/contract-starts.js';

const AGENT = 'spiffe://test.example/agent/triage';
const MINUTE = 60_000;

/** Limits that never trip unless a test lowers one. */
const LOOSE: LoopLimits = {
  windowMs: MINUTE,
  maxExchanges: 1000,
  maxIdentical: 1000,
  maxGrants: 1000,
  maxLiveGrants: 1000,
  maxTaskAgeMs: 3600_000,
  agentWindowMs: 3600_000,
  maxHaltedTasks: 100,
  blockForMs: 10 * MINUTE,
};

/** The loop rules and the rate limit, as every store must apply them. */
export function loopRulesContract(make: (clock: TestClock) => Promise<StoreHarness>): void {
  describe.each(CONTRACT_STARTS)('clock %s', (_when, start) => contract(make, start));
}

function contract(make: (clock: TestClock) => Promise<StoreHarness>, start: number): void {
  let clock: TestClock;
  let h: StoreHarness;
  let store: GrantStore;
  beforeEach(async () => {
    clock = testClock(start);
    h = await make(clock);
    store = h.store;
  });
  afterEach(() => h.close());

  const attempt = (
    limits: Partial<LoopLimits>,
    over: Partial<GrantRecord> = {},
    fingerprint = 'fp-a',
    on: GrantStore = store,
  ): Promise<RecordGrantResult> => {
    const grant = makeGrant(clock.now(), over);
    return on.recordGrant({
      ...recordInput(grant, clock.now()),
      fingerprint,
      loops: { ...LOOSE, ...limits },
    });
  };
  const grantOk = async (
    limits: Partial<LoopLimits>,
    over: Partial<GrantRecord> = {},
    fp = 'fp-a',
  ) => {
    const grant = makeGrant(clock.now(), over);
    const result = await store.recordGrant({
      ...recordInput(grant, clock.now()),
      fingerprint: fp,
      loops: { ...LOOSE, ...limits },
    });
    expect(result.ok).toBe(true);
    return grant;
  };

  it('halts a task repeating one intent, revokes its grants, and waits for a resume', async () => {
    const limits = { maxIdentical: 3 };
    const earlier = [
      await grantOk(limits),
      await grantOk(limits, {}, 'fp-b'),
      await grantOk(limits),
    ];
    clock.advance(1000);
    const fourth = await grantOk(limits);
    const tripped = await attempt(limits);
    expect(tripped).toEqual({
      ok: false,
      refusal: {
        reason: 'loop_tripped',
        trip: {
          rule: 'max_identical',
          count: 4,
          limit: 3,
          windowSeconds: 60,
          revoked: 4,
          haltedTasks: 1,
        },
      },
    });
    for (const g of earlier) expect(await h.peer.getGrant(AGENT, g.jti)).toBeNull();
    expect(await h.peer.getTask(AGENT, 'T-1')).toMatchObject({
      status: 'halted',
      liveGrants: 0,
      halt: {
        rule: 'max_identical',
        reason: 'loop rule max_identical: 4 > 3 in 60s',
        at: clock.now(),
      },
    });
    const feed = await h.peer.revocations(undefined, 10);
    const reason = 'loop rule max_identical: 4 > 3 in 60s';
    expect(feed.revocations.map((e) => [e.kind, e.jti, e.aud, e.reason]).sort()).toEqual(
      [...earlier, fourth].map((g) => ['grant', g.jti, g.audience, reason]).sort(),
    );
    expect(await attempt(limits, {}, 'fp-other')).toEqual({
      ok: false,
      refusal: { reason: 'task_not_active', status: 'halted', rule: 'max_identical' },
    });
    expect(await h.peer.resumeTask(AGENT, 'T-1')).toMatchObject({ status: 'active' });
    expect((await attempt(limits)).ok).toBe(true);
  });

  it('counts identical intents only within the sliding window', async () => {
    const limits = { maxIdentical: 2 };
    await grantOk(limits);
    await grantOk(limits);
    clock.advance(MINUTE + 1);
    await grantOk(limits);
    await grantOk(limits);
    expect(await attempt(limits)).toMatchObject({
      ok: false,
      refusal: { trip: { rule: 'max_identical' } },
    });
  });

  it('halts a task exchanging too fast, whatever it asks for', async () => {
    const limits = { maxExchanges: 3 };
    for (const fp of ['a', 'b', 'c']) await grantOk(limits, {}, fp);
    expect(await attempt(limits, {}, 'd')).toMatchObject({
      ok: false,
      refusal: { trip: { rule: 'max_exchanges', count: 4, limit: 3, windowSeconds: 60 } },
    });
  });

  it('halts a task over its grant budget; a resume grants a fresh budget', async () => {
    const limits = { maxGrants: 2 };
    await grantOk(limits, {}, 'a');
    await grantOk(limits, {}, 'b');
    expect(await attempt(limits, {}, 'c')).toMatchObject({
      refusal: { trip: { rule: 'max_grants', count: 3, limit: 2 } },
    });
    await store.resumeTask(AGENT, 'T-1');
    await grantOk(limits, {}, 'c');
    await grantOk(limits, {}, 'd');
    expect(await attempt(limits, {}, 'e')).toMatchObject({
      refusal: { trip: { rule: 'max_grants' } },
    });
  });

  it('halts a task holding too many live grants, counting only unexpired ones', async () => {
    const limits = { maxLiveGrants: 2 };
    await grantOk(limits, {}, 'a');
    clock.advance(301_000);
    await grantOk(limits, {}, 'b');
    await grantOk(limits, {}, 'c');
    expect(await attempt(limits, {}, 'd')).toMatchObject({
      refusal: { trip: { rule: 'max_live_grants', count: 3, limit: 2, revoked: 2 } },
    });
  });

  it('halts a task past its loop age; a resume restarts the clock', async () => {
    const limits = { maxTaskAgeMs: 10 * MINUTE };
    await grantOk(limits);
    clock.advance(10 * MINUTE + 1000);
    expect(await attempt(limits)).toMatchObject({
      refusal: { trip: { rule: 'max_task_age', count: 601, limit: 600 } },
    });
    await store.resumeTask(AGENT, 'T-1');
    await grantOk(limits);
  });

  it('blocks an agent whose tasks keep tripping, revoking the rest, until the block ends', async () => {
    const limits = { maxIdentical: 1, maxHaltedTasks: 1, blockForMs: 10 * MINUTE };
    const bystander = await grantOk(limits, { taskId: 'T-calm' }, 'calm');
    for (const taskId of ['T-a', 'T-b']) await grantOk(limits, { taskId });
    expect(await attempt(limits, { taskId: 'T-a' })).toMatchObject({
      refusal: { trip: { rule: 'max_identical', haltedTasks: 1 } },
    });
    const second = await attempt(limits, { taskId: 'T-b' });
    expect(second).toMatchObject({
      ok: false,
      refusal: { trip: { haltedTasks: 2, revoked: 2, blockedUntil: clock.now() + 10 * MINUTE } },
    });
    expect(await h.peer.getGrant(AGENT, bystander.jti)).toBeNull();
    expect(await h.peer.blockedUntil(AGENT)).toBe(clock.now() + 10 * MINUTE);
    expect(await attempt(limits, { taskId: 'T-new' })).toEqual({
      ok: false,
      refusal: { reason: 'agent_blocked' },
    });
    const kinds = (await h.peer.revocations(undefined, 10)).revocations.map((e) => e.kind);
    expect(kinds).toEqual(['grant', 'grant', 'agent']);
    expect(
      (await store.listTasks({ agentId: AGENT, status: 'halted' }, { limit: 10 })).items
        .map((t) => t.taskId)
        .sort(),
    ).toEqual(['T-a', 'T-b']);
    clock.advance(10 * MINUTE);
    expect((await attempt(limits, { taskId: 'T-new' })).ok).toBe(true);
  });

  it('rate-limits an identity across stores sharing state, with a Retry-After', async () => {
    const rate = { max: 3, windowMs: 10_000 };
    const limited = (on: GrantStore, taskId: string) =>
      on.recordGrant({
        ...recordInput(makeGrant(clock.now(), { taskId }), clock.now()),
        rateLimit: rate,
      });
    // Start at the beginning of a window so the Retry-After is known.
    clock.advance(10_000 - (clock.now() % 10_000));
    expect((await limited(store, 'r1')).ok).toBe(true);
    expect((await limited(h.peer, 'r2')).ok).toBe(true);
    expect((await limited(store, 'r3')).ok).toBe(true);
    clock.advance(2500);
    expect(await limited(h.peer, 'r4')).toEqual({
      ok: false,
      refusal: { reason: 'rate_limited', retryAfterSeconds: 8 },
    });
    expect(await store.getTask(AGENT, 'r4')).toBeNull();
    clock.advance(7500);
    expect((await limited(store, 'r4')).ok).toBe(true);
  });

  // docs/loops.md, "Which rule wins"; GrantLedger.recordGrant; LOOP_RULES.
  it('names the first loop rule of LOOP_RULES when several trip at once', async () => {
    const all = {
      maxExchanges: 1,
      maxIdentical: 1,
      maxGrants: 1,
      maxLiveGrants: 1,
      maxTaskAgeMs: 1000,
    };
    const loosened: Partial<LoopLimits>[] = [
      {},
      { maxExchanges: 100 },
      { maxExchanges: 100, maxIdentical: 100 },
      { maxExchanges: 100, maxIdentical: 100, maxGrants: 100 },
      { maxExchanges: 100, maxIdentical: 100, maxGrants: 100, maxLiveGrants: 100 },
    ];
    // an attempt in a delegation chain its agent is already in names its own rule first
    await grantOk(all, { taskId: 'T-all-cycle' });
    clock.advance(2000);
    const cycle = await store.recordAttempt({
      agentId: AGENT,
      taskId: 'T-all-cycle',
      attemptId: 'cycle-1',
      cycle: true,
      purpose: 'triage T-1',
      now: clock.now(),
      maxTaskAgeSeconds: MAX_TASK_AGE_S,
      fingerprint: 'fp-a',
      loops: { ...LOOSE, ...all },
    });
    const named: string[] = [
      cycle.ok ? 'ok' : cycle.refusal.reason === 'loop_tripped' ? cycle.refusal.trip.rule : '',
    ];
    clock.advance(60 * MINUTE);
    for (const [i, loose] of loosened.entries()) {
      const limits = { ...all, ...loose };
      await grantOk(limits, { taskId: `T-all-${i}` });
      clock.advance(2000);
      const tripped = await attempt(limits, { taskId: `T-all-${i}` });
      named.push(
        tripped.ok
          ? 'ok'
          : tripped.refusal.reason === 'loop_tripped'
            ? tripped.refusal.trip.rule
            : tripped.refusal.reason,
      );
      clock.advance(60 * MINUTE); // out of every window before the next task
    }
    expect(named).toEqual(LOOP_RULES);
  });

  it('refuses a blocked agent before counting its rate, and the rate before the task state', async () => {
    const limits = { maxGrants: 1 };
    const rate = { max: 1, windowMs: 60_000 };
    clock.advance(60_000 - (clock.now() % 60_000));
    await grantOk(limits, { taskId: 'T-h' });
    expect(await attempt(limits, { taskId: 'T-h' })).toMatchObject({
      refusal: { reason: 'loop_tripped' },
    });
    clock.advance(60_000); // a fresh rate window
    const halted = (): Promise<RecordGrantResult> =>
      store.recordGrant({
        ...recordInput(makeGrant(clock.now(), { taskId: 'T-h' }), clock.now()),
        loops: { ...LOOSE, ...limits },
        rateLimit: rate,
      });
    await store.blockAgent(AGENT, clock.now() + MINUTE, 'test');
    expect(await halted()).toEqual({ ok: false, refusal: { reason: 'agent_blocked' } });
    await store.unblockAgent(AGENT);
    // the blocked attempt did not count: this one is within the rate, refused by the task
    expect(await halted()).toMatchObject({ refusal: { reason: 'task_not_active' } });
    // that refused attempt counted: the next is over the rate, though the task is halted too
    expect(await halted()).toMatchObject({ refusal: { reason: 'rate_limited' } });
  });

  it('refuses a task that is not active before one whose life is over, and that before a loop rule', async () => {
    const all = { maxExchanges: 1, maxIdentical: 1, maxGrants: 1, maxLiveGrants: 1 };
    clock.advance(1500 - (clock.now() % 1000)); // the tasks will end half way through a second
    await grantOk({}, { taskId: 'T-done' });
    await grantOk({}, { taskId: 'T-late' });
    await store.endTask(AGENT, 'T-done', 'completed', 'done');
    clock.advance(MAX_TASK_AGE_S * 1000 - 500); // less than a second of either task is left
    expect(await attempt(all, { taskId: 'T-done' })).toEqual({
      ok: false,
      refusal: { reason: 'task_not_active', status: 'completed' },
    });
    expect(await attempt(all, { taskId: 'T-late' })).toEqual({
      ok: false,
      refusal: { reason: 'task_expired' },
    });
  });

  it('counts every halt of the agent, even two of one task at the same instant', async () => {
    const limits = { maxGrants: 1, maxHaltedTasks: 1, blockForMs: MINUTE };
    await grantOk(limits);
    expect(await attempt(limits)).toMatchObject({ refusal: { trip: { haltedTasks: 1 } } });
    await store.resumeTask(AGENT, 'T-1');
    await grantOk(limits);
    expect(await attempt(limits)).toMatchObject({
      refusal: { trip: { haltedTasks: 2, blockedUntil: clock.now() + MINUTE } },
    });
  });
}
