import { CONTRACT_STARTS } from '../support/contract-starts.js';
import { AGENT, OTHER, freshStore, type StoreHarness, type TestClock } from './store-harness.js';

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
    expect(await t.store.listGrants({}, 100)).toHaveLength(3);
    expect(await t.store.listGrants({ agentId: AGENT }, 100)).toHaveLength(2);
    expect(await t.store.listGrants({ agentId: AGENT, taskId: 'T-2' }, 100)).toEqual([payroll]);
    expect(await t.store.listGrants({ audience: 'https://payroll.example' }, 100)).toEqual([
      payroll,
    ]);
    expect(await t.store.listGrants({}, 1)).toHaveLength(1);
    await t.store.endTask(AGENT, 'T-2', 'revoked', 'x');
    const revoked = await t.store.listTasks({ status: 'revoked' }, 100);
    expect(revoked.map((t) => [t.agentId, t.taskId])).toEqual([[AGENT, 'T-2']]);
    expect(await t.store.listTasks({ agentId: OTHER }, 100)).toHaveLength(1);
  });
}
