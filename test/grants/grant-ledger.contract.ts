import { CONTRACT_STARTS } from '../support/contract-starts.js';
import {
  AGENT,
  MAX_TASK_AGE_S,
  OTHER,
  freshStore,
  makeGrant,
  recordInput,
  type StoreHarness,
  type TestClock,
} from './store-harness.js';

/** The behaviour every `GrantLedger` must show: tasks, grants, revocations, blocks. */
export function grantLedgerContract(make: (clock: TestClock) => Promise<StoreHarness>): void {
  describe.each(CONTRACT_STARTS)('clock %s', (_when, start) => contract(make, start));
}

function contract(make: (clock: TestClock) => Promise<StoreHarness>, start: number): void {
  const t = freshStore(make, start);

  it('records a grant, creating its task, and reports the grant live', async () => {
    const grant = await t.record();
    const task = await t.store.getTask(AGENT, 'T-1');
    expect(task).toMatchObject({
      agentId: AGENT,
      taskId: 'T-1',
      status: 'active',
      purpose: 'triage T-1',
      createdAt: t.clock.now(),
      expiresAt: t.clock.now() + MAX_TASK_AGE_S * 1000,
      grantsRecorded: 1,
      liveGrants: 1,
    });
    const found = await t.peer.getGrant(AGENT, grant.jti);
    expect(found).toEqual({ grant, live: true, taskStatus: 'active' });
  });

  it('counts exchanges and live grants of a task; tasks are scoped to their agent', async () => {
    await t.record();
    t.clock.advance(1000);
    const second = makeGrant(t.clock.now());
    const result = await t.store.recordGrant(recordInput(second, t.clock.now()));
    expect(result).toMatchObject({ ok: true, task: { grantsRecorded: 2, liveGrants: 2 } });
    expect(await t.store.getTask(OTHER, 'T-1')).toBeNull();
    await t.record({ agentId: OTHER });
    expect(await t.store.getTask(OTHER, 'T-1')).toMatchObject({ grantsRecorded: 1 });
    expect(await t.store.getGrant(OTHER, second.jti)).toBeNull();
  });

  it('forgets a grant when it expires and a task when it reaches its age', async () => {
    const grant = await t.record({}, 60);
    t.clock.advance(60_000);
    expect(await t.store.getGrant(AGENT, grant.jti)).toBeNull();
    expect(await t.store.getTask(AGENT, 'T-1')).toMatchObject({ liveGrants: 0 });
    t.clock.advance(MAX_TASK_AGE_S * 1000);
    expect(await t.store.getTask(AGENT, 'T-1')).toBeNull();
    await t.record();
    expect(await t.store.getTask(AGENT, 'T-1')).toMatchObject({ grantsRecorded: 1, liveGrants: 1 });
  });

  it('returns the grant as recorded: a grant within its task keeps its expiry', async () => {
    const grant = makeGrant(t.clock.now());
    const result = await t.store.recordGrant(recordInput(grant, t.clock.now()));
    expect(result).toMatchObject({ ok: true, grant });
  });

  it('clamps a grant that would outlive its task to the task end, and records it so', async () => {
    await t.record();
    const taskEnds = Math.floor((t.clock.now() + MAX_TASK_AGE_S * 1000) / 1000);
    t.clock.advance((MAX_TASK_AGE_S - 10) * 1000);
    const late = makeGrant(t.clock.now(), {}, 60);
    const result = await t.store.recordGrant(recordInput(late, t.clock.now()));
    const recorded = { ...late, expiresAt: taskEnds };
    expect(result).toMatchObject({ ok: true, grant: recorded, task: { grantsRecorded: 2 } });
    expect(await t.peer.getGrant(AGENT, late.jti)).toEqual({
      grant: recorded,
      live: true,
      taskStatus: 'active',
    });
    expect((await t.store.listGrants({ taskId: 'T-1' }, { limit: 10 })).items).toContainEqual(
      recorded,
    );
    t.clock.advance(10_000);
    expect(await t.store.getGrant(AGENT, late.jti)).toBeNull();
  });

  it('refuses a grant when less than a second of its task is left', async () => {
    t.clock.advance(1500 - (t.clock.now() % 1000)); // the task will end half way through a second
    await t.record();
    t.clock.advance(MAX_TASK_AGE_S * 1000 - 500); // its last whole second has begun
    const late = makeGrant(t.clock.now(), {}, 60);
    expect(await t.store.recordGrant(recordInput(late, t.clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'task_expired' },
    });
    expect(await t.store.getTask(AGENT, 'T-1')).toMatchObject({
      status: 'active',
      grantsRecorded: 1,
    });
  });

  it('revokes one grant, writes it to the feed once, and leaves the others live', async () => {
    const a = await t.record();
    const b = await t.record();
    const result = await t.store.revokeGrant(AGENT, a.jti, 'test');
    expect(result.revoked).toBe(1);
    expect(result.entry).toMatchObject({
      kind: 'grant',
      agent: AGENT,
      jti: a.jti,
      aud: a.audience,
      at: t.clock.now(),
      until: a.expiresAt,
      reason: 'test',
    });
    expect(await t.peer.getGrant(AGENT, a.jti)).toBeNull();
    expect(await t.peer.getGrant(AGENT, b.jti)).toMatchObject({ live: true });
    expect(await t.store.revokeGrant(AGENT, a.jti, 'again')).toEqual({ revoked: 0, entry: null });
    expect(await t.store.revokeGrant(AGENT, 'unknown', 'x')).toEqual({ revoked: 0, entry: null });
    const page = await t.peer.revocations(undefined, 100);
    expect(page.revocations).toEqual([result.entry]);
    expect(page.cursor).toBe(result.entry!.id);
  });

  it('ends a task: every grant dies, the task refuses new grants, the feed says so', async () => {
    const a = await t.record({}, 120);
    const b = await t.record({}, 300);
    const done = await t.store.endTask(AGENT, 'T-1', 'completed', 'completed by agent');
    expect(done?.revoked).toBe(2);
    expect(done?.entry).toMatchObject({
      kind: 'task',
      agent: AGENT,
      task: 'T-1',
      until: b.expiresAt,
      reason: 'completed by agent',
    });
    expect(await t.store.getGrant(AGENT, a.jti)).toBeNull();
    expect(await t.store.getTask(AGENT, 'T-1')).toMatchObject({
      status: 'completed',
      liveGrants: 0,
    });
    const next = makeGrant(t.clock.now());
    expect(await t.store.recordGrant(recordInput(next, t.clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'task_not_active', status: 'completed' },
    });
    expect(await t.store.endTask(AGENT, 'T-unknown', 'revoked', 'x')).toBeNull();
    expect(await t.store.endTask(OTHER, 'T-1', 'revoked', 'x')).toBeNull();
  });

  it('revokes everything of an agent and nothing of another', async () => {
    const a = await t.record({ taskId: 'T-1' });
    const b = await t.record({ taskId: 'T-2' }, 900);
    const other = await t.record({ agentId: OTHER });
    const result = await t.store.revokeAgent(AGENT, 'incident');
    expect(result.revoked).toBe(2);
    expect(result.entry).toMatchObject({ kind: 'agent', agent: AGENT, until: b.expiresAt });
    expect(await t.store.getGrant(AGENT, a.jti)).toBeNull();
    expect(await t.store.getGrant(AGENT, b.jti)).toBeNull();
    expect(await t.store.getTask(AGENT, 'T-2')).toMatchObject({ status: 'revoked' });
    expect(await t.store.getGrant(OTHER, other.jti)).toMatchObject({ live: true });
  });

  it('blocks an agent until a time, revoking what it holds; unblocks early on request', async () => {
    const a = await t.record();
    const until = t.clock.now() + 60_000;
    expect((await t.store.blockAgent(AGENT, until, 'blocked')).revoked).toBe(1);
    expect(await t.store.getGrant(AGENT, a.jti)).toBeNull();
    expect(await t.peer.blockedUntil(AGENT)).toBe(until);
    const refused = makeGrant(t.clock.now(), { taskId: 'T-9' });
    expect(await t.store.recordGrant(recordInput(refused, t.clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'agent_blocked' },
    });
    t.clock.advance(60_000);
    expect(await t.store.blockedUntil(AGENT)).toBeNull();
    await t.record({ taskId: 'T-9' });

    await t.store.blockAgent(AGENT, t.clock.now() + 60_000, 'again');
    expect(await t.store.unblockAgent(AGENT)).toBe(true);
    expect(await t.store.unblockAgent(AGENT)).toBe(false);
    t.clock.advance(1000); // out of the second of the block's revocation
    await t.record({ taskId: 'T-10' });
  });

  it('revokes an agent with a mark: its tasks read revoked, its grants dead, nothing minted in that second', async () => {
    t.clock.advance(1000 - (t.clock.now() % 1000)); // at the start of a second
    const active = await t.record({ taskId: 'T-1' });
    await t.record({ taskId: 'T-2' });
    await t.store.endTask(AGENT, 'T-2', 'completed', 'done');
    t.clock.advance(400);
    expect(await t.store.revokeAgent(AGENT, 'incident')).toMatchObject({ revoked: 1 });
    expect(await t.peer.getTask(AGENT, 'T-1')).toMatchObject({ status: 'revoked', liveGrants: 0 });
    expect(await t.peer.getTask(AGENT, 'T-2')).toMatchObject({ status: 'completed' });
    expect(await t.peer.getGrant(AGENT, active.jti)).toBeNull();
    expect(await t.peer.revokeGrant(AGENT, active.jti, 'again')).toEqual({
      revoked: 0,
      entry: null,
    });
    t.clock.advance(500); // still the same second: a token minted now has the mark's `iat`
    const same = makeGrant(t.clock.now(), { taskId: 'T-3' });
    expect(await t.store.recordGrant(recordInput(same, t.clock.now()))).toEqual({
      ok: false,
      refusal: { reason: 'agent_revoked_now', retryAfterSeconds: 1 },
    });
    t.clock.advance(100); // the next second
    const after = await t.record({ taskId: 'T-3' });
    expect(await t.peer.getGrant(AGENT, after.jti)).toMatchObject({ live: true });
    expect(await t.peer.getTask(AGENT, 'T-1')).toMatchObject({ status: 'revoked' });
  });

  it('bounds the active tasks of an agent; a new task waits for one to end', async () => {
    const input = (taskId: string) => ({
      ...recordInput(makeGrant(t.clock.now(), { taskId }), t.clock.now()),
      maxLiveTasks: 2,
    });
    expect((await t.store.recordGrant(input('T-1'))).ok).toBe(true);
    t.clock.advance(10_000);
    expect((await t.store.recordGrant(input('T-2'))).ok).toBe(true);
    expect((await t.store.recordGrant(input('T-1'))).ok).toBe(true); // not a new task
    expect(await t.store.recordGrant(input('T-3'))).toEqual({
      ok: false,
      refusal: {
        reason: 'too_many_tasks',
        limit: 2,
        retryAfterSeconds: MAX_TASK_AGE_S - 10,
      },
    });
    const others = makeGrant(t.clock.now(), { agentId: OTHER, taskId: 'T-3' });
    expect(await t.store.recordGrant({ ...input('T-3'), grant: others })).toMatchObject({
      ok: true,
    });
    await t.store.endTask(AGENT, 'T-1', 'completed', 'done');
    expect((await t.store.recordGrant(input('T-3'))).ok).toBe(true);
  });

  it('counts an approval request as an exchange and grants nothing', async () => {
    const attempt = {
      agentId: AGENT,
      taskId: 'T-1',
      attemptId: 'attempt-1',
      purpose: 'triage T-1',
      now: t.clock.now(),
      maxTaskAgeSeconds: MAX_TASK_AGE_S,
      rateLimit: { max: 2, windowMs: 60_000 },
    };
    expect(await t.store.recordAttempt(attempt)).toMatchObject({
      ok: true,
      task: { taskId: 'T-1', status: 'active', grantsRecorded: 0, liveGrants: 0 },
    });
    expect(await t.store.recordAttempt({ ...attempt, attemptId: 'attempt-2' })).toMatchObject({
      ok: true,
    });
    expect(await t.store.recordAttempt({ ...attempt, attemptId: 'attempt-3' })).toMatchObject({
      ok: false,
      refusal: { reason: 'rate_limited' },
    });
    expect((await t.store.listGrants({ agentId: AGENT }, { limit: 10 })).items).toEqual([]);
  });

  it('resumes only halted tasks; an active one is returned unchanged', async () => {
    await t.record();
    expect(await t.store.resumeTask(AGENT, 'T-1')).toMatchObject({ status: 'active' });
    expect(await t.store.resumeTask(AGENT, 'T-404')).toBeNull();
  });
}
