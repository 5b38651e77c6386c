import { AgentActions } from '../../src/agent-actions/agent-actions.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { AGENT, fixedClock, memoryGrantStore, recordGrant } from '../support/memory-grants.js';
import { ownTokens, subjectVerifierFor, type OwnTokens } from '../support/own-tokens.js';

const SUBJECT_TOKEN = 'svid-of-triage';

describe('AgentActions', () => {
  const clock = fixedClock();
  let tokens: OwnTokens;
  let store: ReturnType<typeof memoryGrantStore>;
  let audit: MemoryAuditLog;
  let agents: AgentActions;
  beforeAll(async () => {
    tokens = await ownTokens(clock);
  });
  beforeEach(() => {
    store = memoryGrantStore(clock);
    audit = new MemoryAuditLog();
    agents = new AgentActions({
      verifier: tokens.verifier,
      verifySubject: subjectVerifierFor(SUBJECT_TOKEN, AGENT),
      store,
      audit,
    });
  });

  describe('revokeToken (RFC 7009)', () => {
    it('revokes the grant of its own token, then audits it', async () => {
      const grant = await recordGrant(store, clock);
      await agents.revokeToken(await tokens.mint(grant));
      expect(await store.getGrant(AGENT, grant.jti)).toBeNull();
      expect(audit.events).toEqual([
        { event: 'token_revoked', agent: AGENT, task: 'T-1', jti: grant.jti, revoked: 1 },
      ]);
    });

    it('answers a token already revoked, or not ours, without change or audit line', async () => {
      const grant = await recordGrant(store, clock);
      const token = await tokens.mint(grant);
      await agents.revokeToken(token);
      await agents.revokeToken(token);
      const foreign = await (await ownTokens(clock)).mint(await recordGrant(store, clock));
      await agents.revokeToken(foreign);
      await agents.revokeToken('not-a-token');
      expect(audit.events).toHaveLength(1);
      expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ liveGrants: 1 });
    });
  });

  describe('completeTask', () => {
    it('completes the task of a token minted for it, then audits it', async () => {
      const grant = await recordGrant(store, clock);
      await recordGrant(store, clock);
      expect(await agents.completeTask(await tokens.mint(grant), 'T-1')).toEqual({ revoked: 2 });
      expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ status: 'completed' });
      expect(audit.events).toEqual([
        { event: 'task_completed', agent: AGENT, task: 'T-1', revoked: 2 },
      ]);
    });

    it("completes any of the agent's tasks with its subject token", async () => {
      await recordGrant(store, clock, { taskId: 'T-2' });
      expect(await agents.completeTask(SUBJECT_TOKEN, 'T-2')).toEqual({ revoked: 1 });
      expect(audit.of('task_completed')).toHaveLength(1);
    });

    it("answers not_found for another task than the token's, or an unknown one; audits nothing", async () => {
      const grant = await recordGrant(store, clock);
      await recordGrant(store, clock, { taskId: 'T-2' });
      await expect(agents.completeTask(await tokens.mint(grant), 'T-2')).rejects.toMatchObject({
        code: 'not_found',
        message: 'no task T-2',
      });
      await expect(agents.completeTask(SUBJECT_TOKEN, 'T-404')).rejects.toMatchObject({
        code: 'not_found',
        message: 'no task T-404',
      });
      expect(await store.getTask(AGENT, 'T-2')).toMatchObject({ status: 'active' });
      expect(audit.events).toEqual([]);
    });

    it('refuses a bearer that is neither our token nor a subject token', async () => {
      await recordGrant(store, clock);
      await expect(agents.completeTask('garbage', 'T-1')).rejects.toMatchObject({
        code: 'invalid_token',
      });
      expect(await store.getTask(AGENT, 'T-1')).toMatchObject({ status: 'active' });
      expect(audit.events).toEqual([]);
    });
  });
});
