import { CONTRACT_STARTS } from '../support/contract-starts.js';
import type { GrantFilter, GrantRecord } from '../../src/grants/grant-records.js';
import {
  AGENT,
  OTHER,
  allPages,
  freshStore,
  type StoreHarness,
  type TestClock,
} from './store-harness.js';

/** The behaviour every `GrantQueries` must show: listings by filter. */
export function grantQueriesContract(make: (clock: TestClock) => Promise<StoreHarness>): void {
  describe.each(CONTRACT_STARTS)('clock %s', (_when, start) => contract(make, start));
}

function contract(make: (clock: TestClock) => Promise<StoreHarness>, start: number): void {
  const t = freshStore(make, start);

  it('lists grants by agent, task and audience, and tasks by status', async () => {
    await t.record({ taskId: 'T-1' });
    const payroll = await t.record({
      taskId: 'T-2',
      resource: 'payroll',
      audience: 'https://payroll.example',
    });
    await t.record({ agentId: OTHER, taskId: 'T-1' });
    const grants = (filter: GrantFilter) => allPages((page) => t.store.listGrants(filter, page));
    expect(await grants({})).toHaveLength(3);
    expect(await grants({ agentId: AGENT })).toHaveLength(2);
    expect(await grants({ agentId: AGENT, taskId: 'T-2' })).toEqual([payroll]);
    expect(await grants({ audience: 'https://payroll.example' })).toEqual([payroll]);
    const first = await t.store.listGrants({}, { limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.next).toEqual(expect.any(String));
    await t.store.endTask(AGENT, 'T-2', 'revoked', 'x');
    const revoked = await allPages((page) => t.store.listTasks({ status: 'revoked' }, page));
    expect(revoked.map((t) => [t.agentId, t.taskId])).toEqual([[AGENT, 'T-2']]);
    expect((await t.store.listTasks({ agentId: OTHER }, { limit: 10 })).items).toHaveLength(1);
  });

  it('pages through tasks, newest end first, and grants by expiry, each item once', async () => {
    const made: GrantRecord[] = [];
    for (let i = 0; i < 7; i += 1) {
      made.push(await t.record({ taskId: `T-${i}` }, 60 + i));
      made.push(await t.record({ taskId: `T-${i}` }, 30 + i));
      t.clock.advance(1000);
    }
    for (const limit of [1, 2, 3, 100]) {
      const tasks = await allPages((page) => t.store.listTasks({ agentId: AGENT }, page), limit);
      expect(tasks.map((task) => task.taskId)).toEqual([
        'T-6',
        'T-5',
        'T-4',
        'T-3',
        'T-2',
        'T-1',
        'T-0',
      ]);
      const grants = await allPages((page) => t.store.listGrants({}, page), limit);
      expect(grants.map((g) => g.jti)).toEqual(
        [6, 5, 4, 3, 2, 1, 0].flatMap((i) => [made[2 * i + 1]!.jti, made[2 * i]!.jti]),
      );
    }
  });

  it('refuses a cursor it did not give', async () => {
    await t.record();
    for (const cursor of ['nonsense', Buffer.from('{"x":1}').toString('base64url')])
      await expect(t.store.listTasks({}, { limit: 1, cursor })).rejects.toMatchObject({
        code: 'invalid_request',
      });
  });

  it('a delegated grant lives only while every grant of its lineage does', async () => {
    const parent = await t.record({ taskId: 'T-parent' });
    const lineage = [{ client_id: AGENT, task: 'T-parent', jti: parent.jti, iat: parent.issuedAt }];
    const child = await t.record({
      agentId: OTHER,
      taskId: 'T-child',
      delegation: { subject: AGENT, actors: [OTHER], lineage },
    });
    expect(await t.store.getTask(OTHER, 'T-child')).toMatchObject({
      parent: { agentId: AGENT, taskId: 'T-parent' },
    });
    expect(await t.store.getGrant(OTHER, child.jti)).toMatchObject({
      live: true,
      grant: { delegation: { subject: AGENT, actors: [OTHER], lineage } },
    });
    await t.store.endTask(AGENT, 'T-parent', 'completed', 'done');
    expect(await t.store.getGrant(OTHER, child.jti)).toBeNull();
    // the child's own task goes on: only the token chained to the ended task died
    expect(await t.store.getTask(OTHER, 'T-child')).toMatchObject({ status: 'active' });
  });
}
