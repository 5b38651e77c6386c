import { OperatorReads } from '../../src/operator-actions/operator-reads.js';
import {
  AGENT,
  FIXED_NOW,
  fixedClock,
  memoryGrantStore,
  recordGrant,
} from '../support/memory-grants.js';

describe('OperatorReads', () => {
  const clock = fixedClock();
  let store: ReturnType<typeof memoryGrantStore>;
  let reads: OperatorReads;
  beforeEach(() => {
    store = memoryGrantStore(clock);
    reads = new OperatorReads({ store });
  });

  it('shows a task with its live grants, and a grant with whether it is live', async () => {
    const grant = await recordGrant(store, clock);
    const detail = await reads.task(AGENT, 'T-1');
    expect(detail.task).toMatchObject({ taskId: 'T-1', status: 'active', liveGrants: 1 });
    expect(detail.grants).toEqual([grant]);
    expect(await reads.grant(AGENT, grant.jti)).toEqual({
      grant,
      live: true,
      taskStatus: 'active',
    });
  });

  it("answers not_found for an unknown task or grant, and for another agent's", async () => {
    const grant = await recordGrant(store, clock);
    const other = 'spiffe://test.example/agent/other';
    await expect(reads.task(AGENT, 'T-404')).rejects.toMatchObject({ code: 'not_found' });
    await expect(reads.task(other, 'T-1')).rejects.toMatchObject({ code: 'not_found' });
    await expect(reads.grant(other, grant.jti)).rejects.toMatchObject({ code: 'not_found' });
  });

  it("shows an agent's block and its tasks (the block revoked them)", async () => {
    await recordGrant(store, clock);
    await store.blockAgent(AGENT, FIXED_NOW + 60_000, 'test');
    const detail = await reads.agent(AGENT, { limit: 10 });
    expect(detail.blockedUntil).toBe(FIXED_NOW + 60_000);
    expect(detail.tasks.items.map((t) => [t.taskId, t.status])).toEqual([['T-1', 'revoked']]);
  });
});
