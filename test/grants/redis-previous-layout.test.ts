import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { GrantRecord } from '../../src/grants/grant-records.js';
import { LOOP_RULES, type LoopLimits } from '../../src/grants/loop-rules.js';
import { KeyLayout } from '../../src/grants/redis/key-layout.js';
import type { RedisGrantStore } from '../../src/grants/redis/redis-grant-store.js';
import { connectRedis, deleteKeys, redisStore, uniquePrefix } from './redis-support.js';
import { AGENT, MAX_TASK_AGE_S, RETENTION_MS, makeGrant, testClock } from './store-harness.js';

// A rolling upgrade: tasks, grants and loop windows written by a broker of the previous layout
// (its record script, kept verbatim in fixtures/previous-layout) are read and changed by
// today's store as if it had written them.

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/previous-layout/${name}.lua`, import.meta.url), 'utf8');
const PREVIOUS_RECORD = [
  `local LOOP_RULES = { ${LOOP_RULES.map((r) => `'${r}'`).join(', ')} }`,
  fixture('lib'),
  fixture('record-grant'),
].join('\n');

const LOOPS: LoopLimits = {
  windowMs: 60_000,
  maxExchanges: 100,
  maxIdentical: 3,
  maxGrants: 100,
  maxLiveGrants: 100,
  maxTaskAgeMs: 3_600_000,
  agentWindowMs: 3_600_000,
  maxHaltedTasks: 100,
  blockForMs: 60_000,
};

describe('RedisGrantStore over keys of the previous layout', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisGrantStore;
  const clock = testClock(1_900_000_000_000);

  /** Records `grant` as a broker of the previous layout did, expecting success. */
  async function previousRecord(grant: GrantRecord, fp: string): Promise<void> {
    const keys = new KeyLayout(prefix);
    const args = {
      now: clock.now(),
      retention: RETENTION_MS,
      task: grant.taskId,
      agent: grant.agentId,
      purpose: 'triage T-1',
      max_age_ms: MAX_TASK_AGE_S * 1000,
      grant: {
        jti: grant.jti,
        exp: grant.expiresAt,
        res: grant.resource,
        aud: grant.audience,
        scope: grant.scopes.join(' '),
        tier: grant.tier,
        targets: JSON.stringify(grant.targets),
        iat: grant.issuedAt,
      },
      fp,
      loops: LOOPS,
    };
    const reply = await redis.eval(
      PREVIOUS_RECORD,
      3,
      keys.agentBase(grant.agentId),
      keys.revocations,
      keys.agents,
      JSON.stringify(args),
    );
    expect(JSON.parse(reply as string)).toMatchObject({ ok: true });
  }

  const record = (grant: GrantRecord, fp: string) =>
    store.recordGrant({
      grant,
      purpose: 'triage T-1',
      now: clock.now(),
      maxTaskAgeSeconds: MAX_TASK_AGE_S,
      fingerprint: fp,
      loops: LOOPS,
    });

  beforeEach(async () => {
    redis = await connectRedis();
    prefix = uniquePrefix();
    store = redisStore(redis, prefix, clock, RETENTION_MS);
  });
  afterEach(async () => {
    await store.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('reads its tasks and grants, lists them, and goes on counting the task', async () => {
    const first = makeGrant(clock.now());
    const second = makeGrant(clock.now(), { targets: ['T-2'] });
    await previousRecord(first, 'fp-a');
    await previousRecord(second, 'fp-b');
    // the previous layout: grants are hashes, the window a sorted set
    const base = new KeyLayout(prefix).agentBase(AGENT);
    expect(await redis.type(`${base}grant:${first.jti}`)).toBe('hash');
    expect(await redis.type(`${base}win:T-1`)).toBe('zset');

    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({
      status: 'active',
      grantsRecorded: 2,
      liveGrants: 2,
    });
    expect(await store.getGrant(AGENT, first.jti)).toEqual({
      grant: first,
      live: true,
      taskStatus: 'active',
    });
    const listed = await store.listGrants({ agentId: AGENT }, { limit: 10 });
    expect(listed.items.map((g) => g.jti).sort()).toEqual([first.jti, second.jti].sort());

    clock.advance(1000);
    const third = makeGrant(clock.now());
    const result = await record(third, 'fp-c');
    expect(result.ok && result.task).toMatchObject({ grantsRecorded: 3, liveGrants: 3 });
    expect(await store.getGrant(AGENT, third.jti)).toMatchObject({ grant: third, live: true });
  });

  it('counts the loop window it wrote: identical intents before and after the upgrade', async () => {
    await previousRecord(makeGrant(clock.now()), 'fp-a');
    clock.advance(1000);
    await previousRecord(makeGrant(clock.now()), 'fp-a');
    clock.advance(1000);
    expect((await record(makeGrant(clock.now()), 'fp-a')).ok).toBe(true);
    clock.advance(1000);
    // the fourth identical intent in the minute: the two written before count
    const tripped = await record(makeGrant(clock.now()), 'fp-a');
    expect(tripped).toMatchObject({
      ok: false,
      refusal: { reason: 'loop_tripped', trip: { rule: 'max_identical', count: 4, limit: 3 } },
    });
  });

  it('lets entries it wrote leave the window when their minute is over', async () => {
    await previousRecord(makeGrant(clock.now()), 'fp-a');
    await previousRecord(makeGrant(clock.now()), 'fp-a');
    await previousRecord(makeGrant(clock.now()), 'fp-a');
    clock.advance(60_000);
    expect((await record(makeGrant(clock.now()), 'fp-a')).ok).toBe(true);
  });

  it('revokes its grants, one by one, with their task and with their agent', async () => {
    const one = makeGrant(clock.now());
    const two = makeGrant(clock.now(), { taskId: 'T-2' });
    const three = makeGrant(clock.now(), { taskId: 'T-2' });
    for (const g of [one, two, three]) await previousRecord(g, 'fp-a');
    clock.advance(1000);

    const revoked = await store.revokeGrant(AGENT, one.jti, 'operator');
    expect(revoked).toMatchObject({
      revoked: 1,
      entry: { kind: 'grant', jti: one.jti, aud: one.audience, until: one.expiresAt },
    });
    expect(await store.getGrant(AGENT, one.jti)).toBeNull();

    const ended = await store.endTask(AGENT, 'T-2', 'revoked', 'operator');
    expect(ended?.revoked).toBe(2);
    expect(await store.getGrant(AGENT, two.jti)).toBeNull();
    expect(await store.getTask(AGENT, 'T-2')).toMatchObject({ status: 'revoked', liveGrants: 0 });
  });

  it('counts its grants when the agent is revoked', async () => {
    const one = makeGrant(clock.now());
    const two = makeGrant(clock.now(), { taskId: 'T-2' });
    for (const g of [one, two]) await previousRecord(g, 'fp-a');
    clock.advance(1000);
    expect(await store.revokeAgent(AGENT, 'incident')).toMatchObject({ revoked: 2 });
    expect(await store.getGrant(AGENT, two.jti)).toBeNull();
  });
});
