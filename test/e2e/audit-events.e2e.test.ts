import type { Redis } from 'ioredis';
import type { AuditEventName } from '../../src/audit/audit-event.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { sha256Hex } from '../../src/platform/ids.js';
import type { TestBroker } from '../support/test-broker.js';
import { TEST_RESOURCES } from '../support/test-broker.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { OPERATOR_KEYS, call, startRedisBroker } from './redis-broker.js';

const TRIAGE = 'spiffe://test.example/agent/triage';
const DEPLOY_AGENT = 'spiffe://test.example/agent/deploy';
const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:release': 'write', 'deploy:destroy-env': 'destructive' },
};
const q = (agent: string) => `agent=${encodeURIComponent(agent)}`;

describe('the audit log receives every audited event, and never a token', () => {
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  const audit = new MemoryAuditLog();
  /** Every subject and access token this test handled, to look for in the events. */
  const tokens: string[] = [];

  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix, {
      config: { resources: { ...TEST_RESOURCES, deploy: DEPLOY }, loops: { max_identical: 2 } },
      deps: { audit },
    });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** An exchange with a fresh subject token, both tokens remembered. */
  const exchange = async (fields: Record<string, unknown>, path = '/agent/triage') => {
    const subject = await t.td.svid({ path });
    tokens.push(subject);
    const res = await t.exchange({ subject_token: subject, ...fields });
    if (typeof res.body.access_token === 'string') tokens.push(res.body.access_token);
    return { ...res, subject };
  };
  const destroy = (fields: Record<string, unknown> = {}) =>
    exchange(
      {
        audience: 'deploy',
        scope: 'deploy:destroy-env',
        intent: { purpose: 'remove preview env', targets: ['preview-42'] },
        ...fields,
      },
      '/agent/deploy',
    );
  const decide = (id: string, decision: 'approve' | 'deny') =>
    call(t.url, 'POST', `/v1/approvals/${id}`, OPERATOR_KEYS.approver.key, {
      decision,
      reason: 'change CHG-7',
    });

  it('records a granted exchange: intent, decisions, policy version, both token hashes', async () => {
    const res = await exchange({ task_id: 'AU-1' });
    expect(res.status).toBe(200);
    expect(audit.of('token_exchange').at(-1)).toEqual({
      event: 'token_exchange',
      outcome: 'granted',
      agent: TRIAGE,
      task: 'AU-1',
      audience: 'https://tickets.example',
      scopes: ['tickets:read'],
      tier: 'read',
      jti: res.body.grant_id,
      subject_token_sha256: sha256Hex(res.subject),
      token_sha256: sha256Hex(res.body.access_token as string),
      policy_ids: ['read-unrestricted'],
      policy_version: t.broker.policy.current().version,
      intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
      decisions: [{ scope: 'tickets:read', decision: 'allow', policy_ids: ['read-unrestricted'] }],
      authorization_details: res.body.authorization_details,
    });
    expect(t.broker.policy.current().version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records a refused exchange with the error the agent got', async () => {
    const res = await exchange({ task_id: 'AU-2', scope: 'tickets:delete' });
    expect(res.body.error).toBe('invalid_scope');
    expect(audit.of('token_exchange').at(-1)).toMatchObject({
      outcome: 'refused',
      agent: TRIAGE,
      audience: 'tickets',
      scopes: ['tickets:delete'],
      error: res.body.error,
      reason: res.body.error_description,
      subject_token_sha256: sha256Hex(res.subject),
      policy_version: t.broker.policy.current().version,
      decisions: [
        {
          scope: 'tickets:delete',
          decision: 'deny',
          policy_ids: ['destructive-needs-approval', 'triage-never-deletes'],
        },
      ],
    });
  });

  it('records an approval asked for, approved and consumed, and one denied', async () => {
    const asked = await destroy();
    expect(asked.body.error).toBe('approval_required');
    const id = asked.body.approval_id as string;
    const bound = {
      approval_id: id,
      agent: DEPLOY_AGENT,
      task: asked.body.task_id,
      audience: 'https://deploy.example',
      scopes: ['deploy:destroy-env'],
      tier: 'destructive',
    };
    expect(audit.of('approval_requested')).toEqual([{ event: 'approval_requested', ...bound }]);

    expect((await decide(id, 'approve')).status).toBe(200);
    const decided = { operator: 'approver-key', reason: 'change CHG-7' };
    expect(audit.of('approval_approved')).toEqual([
      { event: 'approval_approved', ...bound, ...decided },
    ]);

    const granted = await destroy({ approval_id: id, task_id: asked.body.task_id });
    expect(granted.status).toBe(200);
    expect(audit.of('approval_consumed')).toEqual([
      { event: 'approval_consumed', ...bound, ...decided },
    ]);
    expect(audit.of('token_exchange').at(-1)).toMatchObject({
      outcome: 'granted',
      jti: granted.body.grant_id,
      approval: { id, approver: 'approver-key' },
    });

    const other = await destroy();
    const otherId = other.body.approval_id as string;
    expect((await decide(otherId, 'deny')).status).toBe(200);
    expect(audit.of('approval_denied')).toEqual([
      expect.objectContaining({ event: 'approval_denied', approval_id: otherId, ...decided }),
    ]);
  });

  it('records a transaction token issued: ids and the access token hash, no token', async () => {
    const issued = await exchange({ task_id: 'AU-TXN' });
    const access = issued.body.access_token as string;
    const res = await call(t.url, 'POST', '/token-exchange', undefined, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: access,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:txn_token',
    });
    expect(res.status).toBe(200);
    const txn = res.body.access_token as string;
    tokens.push(txn);
    const claims = JSON.parse(Buffer.from(txn.split('.')[1]!, 'base64url').toString()) as {
      txn: string;
      exp: number;
    };
    expect(audit.of('txn_token_issued')).toEqual([
      {
        event: 'txn_token_issued',
        agent: TRIAGE,
        task: 'AU-TXN',
        jti: issued.body.grant_id,
        txn: claims.txn,
        audience: 'https://tickets.example',
        scopes: ['tickets:read'],
        chain: [TRIAGE],
        expires_at: claims.exp,
        subject_token_sha256: sha256Hex(access),
      },
    ]);
  });

  it('records the agent revoking its token and completing its task', async () => {
    const first = await exchange({ task_id: 'AU-3' });
    const revoked = await call(t.url, 'POST', '/revoke', undefined, {
      token: first.body.access_token as string,
    });
    expect(revoked.status).toBe(200);
    expect(audit.of('token_revoked')).toEqual([
      { event: 'token_revoked', agent: TRIAGE, task: 'AU-3', jti: first.body.grant_id, revoked: 1 },
    ]);

    const second = await exchange({ task_id: 'AU-3', scope: 'tickets:write' });
    const done = await call(
      t.url,
      'POST',
      '/v1/tasks/AU-3/complete',
      second.body.access_token as string,
    );
    expect(done.body).toMatchObject({ status: 'completed', revoked: 1 });
    expect(audit.of('task_completed')).toEqual([
      { event: 'task_completed', agent: TRIAGE, task: 'AU-3', revoked: 1 },
    ]);
  });

  it('records a loop trip and the operator actions that follow it', async () => {
    for (let i = 0; i < 2; i += 1) expect((await exchange({ task_id: 'AU-4' })).status).toBe(200);
    expect((await exchange({ task_id: 'AU-4' })).body.error).toBe('task_halted');
    expect(audit.of('token_exchange').at(-1)).toMatchObject({
      outcome: 'refused',
      error: 'task_halted',
      loop_rule: 'max_identical',
    });
    expect(audit.of('loop_tripped')).toEqual([
      {
        event: 'loop_tripped',
        agent: TRIAGE,
        task: 'AU-4',
        rule: 'max_identical',
        count: 3,
        limit: 2,
        window_seconds: 60,
        revoked: 2,
        halted_tasks: 1,
        blocked_until: null,
      },
    ]);

    const revoker = OPERATOR_KEYS.revoker.key;
    await call(t.url, 'POST', `/v1/tasks/AU-4/resume?${q(TRIAGE)}`, revoker);
    const grant = await exchange({ task_id: 'AU-4', scope: 'tickets:write' });
    const jti = grant.body.grant_id as string;
    await call(t.url, 'POST', `/v1/grants/${jti}/revoke?${q(TRIAGE)}`, revoker);
    await call(t.url, 'POST', `/v1/tasks/AU-4/revoke?${q(TRIAGE)}`, revoker);
    const admin = OPERATOR_KEYS.admin.key;
    await call(t.url, 'POST', `/v1/agent/block?${q(DEPLOY_AGENT)}&for=60`, admin);
    await call(t.url, 'POST', `/v1/agent/unblock?${q(DEPLOY_AGENT)}`, admin);
    await call(t.url, 'POST', `/v1/agent/revoke?${q(DEPLOY_AGENT)}`, admin);

    const by = {
      event: 'operator_action',
      operator: 'revoker-key',
      roles: ['revoker'],
      agent: TRIAGE,
    };
    const byAdmin = {
      event: 'operator_action',
      operator: 'admin-key',
      roles: ['admin'],
      agent: DEPLOY_AGENT,
    };
    expect(audit.of('operator_action')).toEqual([
      { ...by, action: 'resume_task', task: 'AU-4', status: 'active' },
      { ...by, action: 'revoke_grant', jti, revoked: 1 },
      { ...by, action: 'revoke_task', task: 'AU-4', revoked: 0 },
      // the approved destroy token is still live: blocking revokes it
      { ...byAdmin, action: 'block_agent', seconds: 60, revoked: 1 },
      { ...byAdmin, action: 'unblock_agent', was_blocked: true },
      { ...byAdmin, action: 'revoke_agent', revoked: 0 },
    ]);
  });

  it('saw every kind of event, and no event carries a subject or access token', () => {
    const kinds = new Set(audit.events.map((e) => e.event));
    const expected: AuditEventName[] = [
      'token_exchange',
      'approval_requested',
      'approval_approved',
      'approval_denied',
      'approval_consumed',
      'token_revoked',
      'txn_token_issued',
      'task_completed',
      'loop_tripped',
      'operator_action',
    ];
    expect([...kinds].sort()).toEqual([...expected].sort());

    expect(tokens.length).toBeGreaterThan(10);
    const json = JSON.stringify(audit.events);
    for (const token of tokens) {
      expect(json).not.toContain(token);
      // not even the signature, the part that makes a token usable
      expect(json).not.toContain(token.split('.')[2]);
    }
    expect(json).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
