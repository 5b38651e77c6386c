import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { OperatorTaskActions } from '../../src/operator-actions/operator-task-actions.js';
import {
  AGENT,
  fixedClock,
  haltTask,
  memoryGrantStore,
  recordGrant,
} from '../support/memory-grants.js';

const notFound = (description: string) =>
  expect.objectContaining({ code: 'not_found', message: description }) as unknown;

describe('OperatorTaskActions', () => {
  const clock = fixedClock();
  let store: ReturnType<typeof memoryGrantStore>;
  let audit: MemoryAuditLog;
  let tasks: OperatorTaskActions;
  const by = { operator: 'alice', agent: AGENT };
  beforeEach(() => {
    store = memoryGrantStore(clock);
    audit = new MemoryAuditLog();
    tasks = new OperatorTaskActions({ store, audit });
  });

  it('revokes a live grant, then audits it with the operator', async () => {
    const grant = await recordGrant(store, clock);
    expect(await tasks.revokeGrant({ ...by, jti: grant.jti })).toEqual({ revoked: 1 });
    expect(await store.getGrant(AGENT, grant.jti)).toBeNull();
    expect(audit.events).toEqual([
      {
        event: 'operator_action',
        operator: 'alice',
        action: 'revoke_grant',
        agent: AGENT,
        jti: grant.jti,
        revoked: 1,
      },
    ]);
  });

  it('refuses to revoke a grant that is unknown or already gone, and audits nothing', async () => {
    const grant = await recordGrant(store, clock);
    await tasks.revokeGrant({ ...by, jti: grant.jti });
    await expect(tasks.revokeGrant({ ...by, jti: grant.jti })).rejects.toEqual(
      notFound(`no grant ${grant.jti}`),
    );
    await expect(tasks.revokeGrant({ ...by, jti: 'nope' })).rejects.toEqual(
      notFound('no grant nope'),
    );
    expect(audit.events.map((e) => e.event)).toEqual(['operator_action']);
  });

  it('revokes a task with every grant of it, then audits it', async () => {
    await recordGrant(store, clock);
    await recordGrant(store, clock);
    expect(await tasks.revokeTask({ ...by, taskId: 'T-1' })).toEqual({ revoked: 2 });
    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ status: 'revoked', liveGrants: 0 });
    expect(audit.events).toEqual([
      {
        event: 'operator_action',
        operator: 'alice',
        action: 'revoke_task',
        agent: AGENT,
        task: 'T-1',
        revoked: 2,
      },
    ]);
  });

  it("refuses to revoke an unknown task (or another agent's) and audits nothing", async () => {
    await recordGrant(store, clock);
    await expect(tasks.revokeTask({ ...by, taskId: 'T-404' })).rejects.toEqual(
      notFound('no task T-404'),
    );
    const other = { operator: 'alice', agent: 'spiffe://test.example/agent/other' };
    await expect(tasks.revokeTask({ ...other, taskId: 'T-1' })).rejects.toEqual(
      notFound('no task T-1'),
    );
    expect(audit.events).toEqual([]);
    expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ status: 'active' });
  });

  it('resumes a halted task, then audits it as active', async () => {
    await haltTask(store, clock, 'T-2');
    expect(await tasks.resumeTask({ ...by, taskId: 'T-2' })).toMatchObject({
      taskId: 'T-2',
      status: 'active',
    });
    expect(audit.events).toEqual([
      {
        event: 'operator_action',
        operator: 'alice',
        action: 'resume_task',
        agent: AGENT,
        task: 'T-2',
        status: 'active',
      },
    ]);
  });

  it('refuses to resume an unknown task and audits nothing', async () => {
    await expect(tasks.resumeTask({ ...by, taskId: 'T-404' })).rejects.toEqual(
      notFound('no task T-404'),
    );
    expect(audit.events).toEqual([]);
  });

  it('refuses to resume a task that ended, and audits nothing', async () => {
    await recordGrant(store, clock);
    await store.endTask(AGENT, 'T-1', 'completed', 'completed by agent');
    await expect(tasks.resumeTask({ ...by, taskId: 'T-1' })).rejects.toEqual(
      expect.objectContaining({
        code: 'invalid_request',
        message: 'task T-1 is completed; only a halted task can be resumed',
      }),
    );
    expect(audit.events).toEqual([]);
  });
});
