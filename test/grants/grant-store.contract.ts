import { randomBytes } from 'node:crypto';
import type { GrantRecord, GrantStore, RecordGrantInput } from '../../src/grants/grant-store.js';
import type { RevocationEntry } from '../../src/revocation/revocation-entry.js';
import { CONTRACT_STARTS } from '../support/contract-starts.js';

/** A clock tests move by hand. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

/** Makes a clock starting at the wall clock. */
export function testClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** A store under test, built on `clock`, with retention `RETENTION_MS`. */
export interface StoreHarness {
  readonly store: GrantStore;
  /** A second store on the same backing state (another broker), or the same store. */
  readonly peer: GrantStore;
  close(): Promise<void>;
}

export const RETENTION_MS = 600_000;
export const MAX_TASK_AGE_S = 3600;
const AGENT = 'spiffe://test.example/agent/triage';
const OTHER = 'spiffe://test.example/agent/other';

/** A grant of `agent`'s task `T-1`, issued at `now`, living `ttl` seconds. */
export function makeGrant(now: number, over: Partial<GrantRecord> = {}, ttl = 300): GrantRecord {
  const issuedAt = Math.floor(now / 1000);
  return {
    jti: randomBytes(16).toString('base64url'),
    agentId: AGENT,
    taskId: 'T-1',
    resource: 'tickets',
    audience: 'https://tickets.example',
    scopes: ['tickets:read'],
    tier: 'read',
    targets: ['T-1'],
    issuedAt,
    expiresAt: issuedAt + ttl,
    ...over,
  };
}

/** The input of recordGrant for `grant` at `now`. */
export function recordInput(grant: GrantRecord, now: number): RecordGrantInput {
  return { grant, purpose: 'triage T-1', now, maxTaskAgeSeconds: MAX_TASK_AGE_S };
}

/**
 * The behaviour every {@link GrantStore} must show, run against the memory store and the
 * Redis store alike (test/grants/*-grant-store.test.ts).
 */
export function grantStoreContract(make: (clock: TestClock) => Promise<StoreHarness>): void {
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

  const record = async (over: Partial<GrantRecord> = {}, ttl = 300) => {
    const grant = makeGrant(clock.now(), over, ttl);
    const result = await store.recordGrant(recordInput(grant, clock.now()));
    expect(result.ok).toBe(true);
    return grant;
  };

  it('records a grant, creating its task, and reports the grant live', async () => {
    const grant = await record();
    const task = await store.getTask(AGENT, 'T-1');
    expect(task).toMatchObject({
      agentId: AGENT,
      taskId: 'T-1',
      status: 'active',
      purpose: 'triage T-1',
      createdAt: clock.now(),
      expiresAt: clock.now() + MAX_TASK_AGE_S * 1000,
      grantsRecorded: 1,
      liveGrants: 1,
    });
    const found = await h.peer.getGrant(AGENT, grant.jti);
    expect(found).toEqual({ grant, live: true, taskStatus: 'active' });
  });

  it('counts exchanges and live grants of a task; tasks are scoped to their agent', async () => {
    await record();
    clock.advance(1000);
    const second = makeGrant(clock.now());
    const result = await store.recordGrant(recordInput(second, clock.now()));
    expect(result).toMatchObject({ ok: true, task: { grantsRecorded: 2, liveGrants: 2 } });
    expect(await store.getTask(OTHER, 'T-1')).toBeNull();
    await record({ agentId: OTHER });
    expect(await store.getTask(OTHER, 'T-1')).toMatchObject({ grantsRecorded: 1 });
    expect(await store.getGrant(OTHER, second.jti)).toBeNull();
  });

  it('forgets a grant when it expires and a task when it reaches its age', async () => {
    const grant = await record({}, 60);
    clock.advance(60_000);
    expect(await store.getGrant(AGENT, grant.jti)).toBeNull();
    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ liveGrants: 0 });
    clock.advance(MAX_TASK_AGE_S * 1000);
    expect(await store.getTask(AGENT, 'T-1')).toBeNull();
    await record();
    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ grantsRecorded: 1, liveGrants: 1 });
  });

  it('returns the grant as recorded: a grant within its task keeps its expiry', async () => {
    const grant = makeGrant(clock.now());
    const result = await store.recordGrant(recordInput(grant, clock.now()));
    expect(result).toMatchObject({ ok: true, grant });
  });

  it('clamps a grant that would outlive its task to the task end, and records it so', async () => {
    await record();
    const taskEnds = Math.floor((clock.now() + MAX_TASK_AGE_S * 1000) / 1000);
    clock.advance((MAX_TASK_AGE_S - 10) * 1000);
    const late = makeGrant(clock.now(), {}, 60);
    const result = await store.recordGrant(recordInput(late, clock.now()));
    const recorded = { ...late, expiresAt: taskEnds };
    expect(result).toMatchObject({ ok: true, grant: recorded, task: { grantsRecorded: 2 } });
    expect(await h.peer.getGrant(AGENT, late.jti)).toEqual({
      grant: recorded,
      live: true,
      taskStatus: 'active',
    });
    expect(await store.listGrants({ taskId: 'T-1' }, 10)).toContainEqual(recorded);
    clock.advance(10_000);
    expect(await store.getGrant(AGENT, late.jti)).toBeNull();
  });

  it('refuses a grant when less than a second of its task is left', async () => {
    clock.advance(1500 - (clock.now() % 1000)); // the task will end half way through a second
    await record();
    clock.advance(MAX_TASK_AGE_S * 1000 - 500); // its last whole second has begun
    const late = makeGrant(clock.now(), {}, 60);
    expect(await store.recordGrant(recordInput(late, clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'task_expired' },
    });
    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({
      status: 'active',
      grantsRecorded: 1,
    });
  });

  it('revokes one grant, writes it to the feed once, and leaves the others live', async () => {
    const a = await record();
    const b = await record();
    const result = await store.revokeGrant(AGENT, a.jti, 'test');
    expect(result.revoked).toBe(1);
    expect(result.entry).toMatchObject({
      kind: 'grant',
      agent: AGENT,
      jti: a.jti,
      at: clock.now(),
      until: a.expiresAt,
      reason: 'test',
    });
    expect(await h.peer.getGrant(AGENT, a.jti)).toBeNull();
    expect(await h.peer.getGrant(AGENT, b.jti)).toMatchObject({ live: true });
    expect(await store.revokeGrant(AGENT, a.jti, 'again')).toEqual({ revoked: 0, entry: null });
    expect(await store.revokeGrant(AGENT, 'unknown', 'x')).toEqual({ revoked: 0, entry: null });
    const page = await h.peer.revocations(undefined, 100);
    expect(page.revocations).toEqual([result.entry]);
    expect(page.cursor).toBe(result.entry!.id);
  });

  it('ends a task: every grant dies, the task refuses new grants, the feed says so', async () => {
    const a = await record({}, 120);
    const b = await record({}, 300);
    const done = await store.endTask(AGENT, 'T-1', 'completed', 'completed by agent');
    expect(done?.revoked).toBe(2);
    expect(done?.entry).toMatchObject({
      kind: 'task',
      agent: AGENT,
      task: 'T-1',
      until: b.expiresAt,
      reason: 'completed by agent',
    });
    expect(await store.getGrant(AGENT, a.jti)).toBeNull();
    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({
      status: 'completed',
      liveGrants: 0,
    });
    const next = makeGrant(clock.now());
    expect(await store.recordGrant(recordInput(next, clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'task_not_active', status: 'completed' },
    });
    expect(await store.endTask(AGENT, 'T-unknown', 'revoked', 'x')).toBeNull();
    expect(await store.endTask(OTHER, 'T-1', 'revoked', 'x')).toBeNull();
  });

  it('revokes everything of an agent and nothing of another', async () => {
    const a = await record({ taskId: 'T-1' });
    const b = await record({ taskId: 'T-2' }, 900);
    const other = await record({ agentId: OTHER });
    const result = await store.revokeAgent(AGENT, 'incident');
    expect(result.revoked).toBe(2);
    expect(result.entry).toMatchObject({ kind: 'agent', agent: AGENT, until: b.expiresAt });
    expect(await store.getGrant(AGENT, a.jti)).toBeNull();
    expect(await store.getGrant(AGENT, b.jti)).toBeNull();
    expect(await store.getTask(AGENT, 'T-2')).toMatchObject({ status: 'revoked' });
    expect(await store.getGrant(OTHER, other.jti)).toMatchObject({ live: true });
  });

  it('blocks an agent until a time, revoking what it holds; unblocks early on request', async () => {
    const a = await record();
    const until = clock.now() + 60_000;
    expect((await store.blockAgent(AGENT, until, 'blocked')).revoked).toBe(1);
    expect(await store.getGrant(AGENT, a.jti)).toBeNull();
    expect(await h.peer.blockedUntil(AGENT)).toBe(until);
    const refused = makeGrant(clock.now(), { taskId: 'T-9' });
    expect(await store.recordGrant(recordInput(refused, clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'agent_blocked' },
    });
    clock.advance(60_000);
    expect(await store.blockedUntil(AGENT)).toBeNull();
    await record({ taskId: 'T-9' });

    await store.blockAgent(AGENT, clock.now() + 60_000, 'again');
    expect(await store.unblockAgent(AGENT)).toBe(true);
    expect(await store.unblockAgent(AGENT)).toBe(false);
    await record({ taskId: 'T-10' });
  });

  it('lists grants by agent, task and audience, and tasks by status', async () => {
    await record({ taskId: 'T-1' });
    const payroll = await record({
      taskId: 'T-2',
      resource: 'payroll',
      audience: 'https://payroll.example',
    });
    await record({ agentId: OTHER, taskId: 'T-1' });
    expect(await store.listGrants({}, 100)).toHaveLength(3);
    expect(await store.listGrants({ agentId: AGENT }, 100)).toHaveLength(2);
    expect(await store.listGrants({ agentId: AGENT, taskId: 'T-2' }, 100)).toEqual([payroll]);
    expect(await store.listGrants({ audience: 'https://payroll.example' }, 100)).toEqual([payroll]);
    expect(await store.listGrants({}, 1)).toHaveLength(1);
    await store.endTask(AGENT, 'T-2', 'revoked', 'x');
    const revoked = await store.listTasks({ status: 'revoked' }, 100);
    expect(revoked.map((t) => [t.agentId, t.taskId])).toEqual([[AGENT, 'T-2']]);
    expect(await store.listTasks({ agentId: OTHER }, 100)).toHaveLength(1);
  });

  it('pages the feed by cursor, in order, and drops entries past their retention', async () => {
    const grants = [await record(), await record(), await record()];
    const ids: string[] = [];
    for (const g of grants) ids.push((await store.revokeGrant(AGENT, g.jti, 'x')).entry!.id);
    expect([...ids].sort(byId)).toEqual(ids);
    const first = await h.peer.revocations(undefined, 2);
    expect(first.revocations.map((e) => e.id)).toEqual(ids.slice(0, 2));
    const rest = await h.peer.revocations(first.cursor, 2);
    expect(rest.revocations.map((e) => e.id)).toEqual(ids.slice(2));
    expect(await h.peer.revocations(rest.cursor, 2)).toEqual({
      revocations: [],
      cursor: rest.cursor,
    });
    clock.advance(RETENTION_MS + 1000);
    const late = await record();
    const lateId = (await store.revokeGrant(AGENT, late.jti, 'x')).entry!.id;
    const after = await h.peer.revocations(undefined, 100);
    expect(after.revocations.map((e) => e.id)).toEqual([lateId]);
  });

  it('tells watchers about revocations written by any store on the same state', async () => {
    const seen: RevocationEntry[] = [];
    const stop = await store.watchRevocations((e) => seen.push(e));
    try {
      const g = await record();
      const result = await h.peer.revokeGrant(AGENT, g.jti, 'peer');
      await until(() => seen.length === 1);
      expect(seen).toEqual([result.entry]);
    } finally {
      stop();
    }
  });

  it('resumes only halted tasks; an active one is returned unchanged', async () => {
    await record();
    expect(await store.resumeTask(AGENT, 'T-1')).toMatchObject({ status: 'active' });
    expect(await store.resumeTask(AGENT, 'T-404')).toBeNull();
  });
}

function byId(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am! - bm! || as! - bs!;
}

/** Polls `condition` until it holds (events from another connection arrive asynchronously). */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
