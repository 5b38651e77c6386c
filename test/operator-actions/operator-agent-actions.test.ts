import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { OperatorAgentActions } from '../../src/operator-actions/operator-agent-actions.js';
import {
  AGENT,
  FIXED_NOW,
  fixedClock,
  memoryGrantStore,
  recordGrant,
} from '../support/memory-grants.js';

describe('OperatorAgentActions', () => {
  const clock = fixedClock();
  let store: ReturnType<typeof memoryGrantStore>;
  let audit: MemoryAuditLog;
  let agents: OperatorAgentActions;
  const by = { operator: 'root', agent: AGENT };
  const action = { event: 'operator_action', operator: 'root', agent: AGENT };
  beforeEach(() => {
    store = memoryGrantStore(clock);
    audit = new MemoryAuditLog();
    agents = new OperatorAgentActions({ store, audit, clock });
  });

  it('blocks the agent from now for the given time, revoking what it holds', async () => {
    const grant = await recordGrant(store, clock);
    expect(await agents.block({ ...by, seconds: 600 })).toEqual({
      until: FIXED_NOW + 600_000,
      revoked: 1,
    });
    expect(await store.blockedUntil(AGENT)).toBe(FIXED_NOW + 600_000);
    expect(await store.getGrant(AGENT, grant.jti)).toBeNull();
    expect(audit.events).toEqual([{ ...action, action: 'block_agent', seconds: 600, revoked: 1 }]);
  });

  it('unblocks, saying whether there was a block', async () => {
    await agents.block({ ...by, seconds: 60 });
    expect(await agents.unblock(by)).toEqual({ wasBlocked: true });
    expect(await store.blockedUntil(AGENT)).toBeNull();
    expect(await agents.unblock(by)).toEqual({ wasBlocked: false });
    expect(audit.events.slice(1)).toEqual([
      { ...action, action: 'unblock_agent', was_blocked: true },
      { ...action, action: 'unblock_agent', was_blocked: false },
    ]);
  });

  it('revokes every task and grant of the agent', async () => {
    await recordGrant(store, clock);
    await recordGrant(store, clock, { taskId: 'T-2' });
    expect(await agents.revokeAll(by)).toEqual({ revoked: 2 });
    expect(await store.listGrants({ agentId: AGENT }, { limit: 10 })).toEqual({ items: [] });
    expect(audit.events).toEqual([{ ...action, action: 'revoke_agent', revoked: 2 }]);
  });
});
