import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generateApiKey } from '../../src/operators/api-keys.js';
import { expectDocumented } from '../support/openapi-contract.js';
import { startTestBroker, TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';

const approver = generateApiKey();
const viewer = generateApiKey();
const admin = generateApiKey();
const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:release': 'write', 'deploy:destroy-env': 'destructive' },
};

describe('approval flow for destructive scopes, end to end', () => {
  let t: TestBroker;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  const svid = (path = '/agent/deploy') => t.td.svid({ path, now: Math.floor(clock.now() / 1000) });
  const destroy = async (fields: Record<string, unknown> = {}) => {
    const answer = await t.exchange({
      subject_token: await svid(),
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      intent: { purpose: 'remove preview env', targets: ['preview-42'] },
      ...fields,
    });
    expectDocumented('POST', '/token-exchange', answer);
    return answer;
  };
  const operator = async (
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const answer = { status: res.status, headers: res.headers, body: await res.json() };
    expectDocumented(method, path, answer);
    return answer as { status: number; body: Record<string, unknown> };
  };
  const approve = (id: string, decision = 'approve') =>
    operator(approver.key, 'POST', `/v1/approvals/${id}`, { decision, reason: 'change CHG-7' });

  beforeAll(async () => {
    t = await startTestBroker({
      config: {
        resources: { ...TEST_RESOURCES, deploy: DEPLOY },
        approvals: { ttl: '15m' },
        operators: {
          api_keys: [
            { name: 'alice', sha256: approver.sha256, roles: ['approver'] },
            { name: 'victor', sha256: viewer.sha256, roles: ['viewer'] },
            { name: 'ada', sha256: admin.sha256, roles: ['admin'] },
          ],
        },
      },
      deps: { clock },
    });
  });
  afterAll(() => t.close());
  afterEach(() => {
    offsetMs = 0;
  });

  it('waits, is approved by an operator, issues one token, and refuses the replay', async () => {
    const asked = await destroy();
    expect(asked.status).toBe(403);
    expect(asked.body).toMatchObject({ error: 'approval_required', expires_in: 900 });
    const id = asked.body.approval_id as string;
    expect(id).toMatch(/^apr_/);
    const taskId = asked.body.task_id as string;

    const pending = await destroy({ approval_id: id });
    expect(pending.status).toBe(400);
    expect(pending.body.error).toBe('authorization_pending');

    const listed = await operator(viewer.key, 'GET', '/v1/approvals?state=pending');
    expect(listed.status).toBe(200);
    expect(listed.body.approvals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          approval_id: id,
          state: 'pending',
          agent: 'spiffe://test.example/agent/deploy',
          task_id: taskId,
          scope: 'deploy:destroy-env',
          tier: 'destructive',
          targets: ['preview-42'],
        }),
      ]),
    );

    expect((await operator(undefined, 'POST', `/v1/approvals/${id}`, {})).status).toBe(401);
    expect(
      (await operator(viewer.key, 'POST', `/v1/approvals/${id}`, { decision: 'approve' })).status,
    ).toBe(403);
    const decided = await approve(id);
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ state: 'approved', decided_by: 'alice' });
    expect((await approve(id, 'deny')).status).toBe(409);

    const granted = await destroy({ approval_id: id });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ scope: 'deploy:destroy-env', task_id: taskId });
    const { payload } = await jwtVerify(
      granted.body.access_token as string,
      createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)),
      { issuer: 'http://mandate.test', audience: 'https://deploy.example' },
    );
    expect(payload).toMatchObject({ tier: 'destructive', task: { id: taskId } });

    const replay = await destroy({ approval_id: id });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    expect(replay.body.error_description).toMatch(/already used/);
    const shown = await operator(viewer.key, 'GET', `/v1/approvals/${id}`);
    expect(shown.body.state).toBe('consumed');
  });

  it('gives exactly one token when the approved exchange is repeated concurrently', async () => {
    const id = (await destroy()).body.approval_id as string;
    await approve(id);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => destroy({ approval_id: id })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.body.error === 'invalid_grant')).toHaveLength(7);
    // The losers' grants were recorded before they lost the race, and are revoked again.
    const taskId = results.find((r) => r.status === 200)!.body.task_id as string;
    const task = await t.broker.store.getTask('spiffe://test.example/agent/deploy', taskId);
    expect(task?.liveGrants).toBe(1);
  });

  it('leaves the approval unused when the exchange is refused after policy; a block ends its task', async () => {
    const path = '/agent/deploy/blocked';
    const asBlocked = async (fields: Record<string, unknown> = {}) =>
      destroy({ subject_token: await svid(path), ...fields });
    const asked = await asBlocked();
    const id = asked.body.approval_id as string;
    await approve(id);
    const agent = encodeURIComponent(`spiffe://test.example${path}`);
    expect(
      (await operator(admin.key, 'POST', `/v1/agent/block?agent=${agent}&for=1h`)).status,
    ).toBe(200);
    const blocked = await asBlocked({ approval_id: id });
    expect({ status: blocked.status, error: blocked.body.error }).toEqual({
      status: 403,
      error: 'access_denied',
    });
    expect((await operator(viewer.key, 'GET', `/v1/approvals/${id}`)).body.state).toBe('approved');

    expect((await operator(admin.key, 'POST', `/v1/agent/unblock?agent=${agent}`)).status).toBe(
      200,
    );
    offsetMs += 1000; // out of the second of the block's revocation
    // The block revoked every task the agent held, the approved one too: an approval given
    // before an incident does not outlive it.
    const after = await asBlocked({ approval_id: id });
    expect(after.status).toBe(403);
    expect(after.body.error_description).toBe(`task ${asked.body.task_id as string} was revoked`);
    expect((await operator(viewer.key, 'GET', `/v1/approvals/${id}`)).body.state).toBe('approved');
  });

  it('refuses the approval to another agent as if it did not exist', async () => {
    const id = (await destroy()).body.approval_id as string;
    await approve(id);
    const other = await destroy({
      approval_id: id,
      subject_token: await svid('/agent/deploy-2'),
    });
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'approval_id is not known',
    });
    const unknown = await destroy({ approval_id: 'apr_doesnotexist' });
    expect(unknown.body).toEqual(other.body);
  });

  it('binds the approval to the scopes, resource and task it was asked for', async () => {
    const asked = await destroy();
    const id = asked.body.approval_id as string;
    await approve(id);
    const wider = await destroy({ approval_id: id, scope: 'deploy:destroy-env deploy:release' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_grant');
    const otherTask = await destroy({ approval_id: id, task_id: 'T-other' });
    expect(otherTask.body.error).toBe('invalid_grant');
    expect((await destroy({ approval_id: id, task_id: asked.body.task_id })).status).toBe(200);
  });

  it('expires: neither the operator nor the agent can use an approval past its lifetime', async () => {
    const waiting = (await destroy()).body.approval_id as string;
    const approved = (await destroy()).body.approval_id as string;
    await approve(approved);
    offsetMs = 15 * 60_000 + 1000;
    expect((await destroy({ approval_id: approved })).body.error).toBe('expired_token');
    expect((await destroy({ approval_id: waiting })).body.error).toBe('expired_token');
    const late = await approve(waiting);
    expect(late.status).toBe(409);
    expect(late.body.error_description).toMatch(/expired/);
    const pending = await operator(viewer.key, 'GET', '/v1/approvals?state=pending');
    expect(pending.body.approvals).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ approval_id: waiting })]),
    );
  });

  it('answers access_denied once an operator denies', async () => {
    const id = (await destroy()).body.approval_id as string;
    expect((await approve(id, 'deny')).body).toMatchObject({
      state: 'denied',
      reason: 'change CHG-7',
    });
    const res = await destroy({ approval_id: id });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('access_denied');
  });

  it('does not ask an operator when policy refuses even with approval', async () => {
    const res = await t.exchange({ scope: 'tickets:delete' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_scope', refused_scopes: ['tickets:delete'] });
  });

  it('requires a reason and a known decision from the operator', async () => {
    const id = (await destroy()).body.approval_id as string;
    const bad = await operator(approver.key, 'POST', `/v1/approvals/${id}`, { decision: 'maybe' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const none = await operator(approver.key, 'POST', `/v1/approvals/${id}`, {
      decision: 'approve',
    });
    expect(none.status).toBe(400);
    expect(
      (
        await operator(approver.key, 'POST', '/v1/approvals/apr_nope', {
          decision: 'approve',
          reason: 'x',
        })
      ).status,
    ).toBe(404);
  });
});

describe('a tier that requires approval', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({
      config: {
        tiers: {
          read: { ttl: '5m' },
          write: { ttl: '2m', require_approval: true },
          destructive: { ttl: '1m' },
        },
      },
      policies: {
        'p.cedar': '@id("all") permit (principal, action, resource);',
      },
    });
  });
  afterAll(() => t.close());

  it('asks for approval even when policy permits outright', async () => {
    expect((await t.exchange({ scope: 'tickets:read' })).status).toBe(200);
    const res = await t.exchange({ scope: 'tickets:write' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('approval_required');
  });

  it('raises restricted data to the write tier, which then needs approval', async () => {
    const res = await t.exchange({ audience: 'payroll', scope: 'payroll:read' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('approval_required');
  });
});
