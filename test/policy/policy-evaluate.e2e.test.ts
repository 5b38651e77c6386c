import { generateApiKey } from '../../src/operators/api-keys.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

const viewer = generateApiKey();

describe('POST /v1/policy/evaluate', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({
      config: {
        operators: { api_keys: [{ name: 'vera', sha256: viewer.sha256, roles: ['viewer'] }] },
      },
    });
  });
  afterAll(() => t.close());

  const evaluate = async (body: unknown, key: string | null = viewer.key) => {
    const res = await fetch(`${t.url}/v1/policy/evaluate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers per scope with the deciding policies, and records nothing', async () => {
    const res = await evaluate({
      principal: { spiffe_id: 'spiffe://test.example/agent/triage' },
      request: { audience: 'tickets', scope: 'tickets:read tickets:write tickets:delete' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'deny', tier: 'destructive', ttl_seconds: 60 });
    expect(res.body.scopes).toEqual([
      { scope: 'tickets:read', decision: 'allow', policy_ids: ['read-unrestricted'] },
      { scope: 'tickets:write', decision: 'allow', policy_ids: ['triage-writes-tickets'] },
      {
        scope: 'tickets:delete',
        decision: 'deny',
        policy_ids: expect.arrayContaining([
          'destructive-needs-approval',
          'triage-never-deletes',
        ]) as string[],
      },
    ]);
    expect(res.body.errors).toEqual([]);
    expect(await t.broker.store.getTask('spiffe://test.example/agent/triage', 'T-eval')).toBeNull();
  });

  it('evaluates at the given time, task state and approval', async () => {
    const res = await evaluate({
      principal: { spiffe_id: 'spiffe://test.example/agent/research/web' },
      request: {
        audience: 'https://tickets.example',
        scope: 'tickets:read',
        task: { exchanges: 20 },
        time: '2026-03-04T09:30:00Z',
      },
    });
    expect(res.body).toMatchObject({
      decision: 'deny',
      scopes: [{ scope: 'tickets:read', decision: 'deny', policy_ids: ['research-task-budget'] }],
    });
  });

  it('shows the tier raised by sensitivity', async () => {
    const res = await evaluate({
      principal: { spiffe_id: 'spiffe://test.example/agent/hr' },
      request: { audience: 'payroll', scope: 'payroll:read' },
    });
    expect(res.body).toMatchObject({ tier: 'write', sensitivity: 'restricted', decision: 'deny' });
  });

  it('needs an operator key and refuses a malformed case by name', async () => {
    expect((await evaluate({}, null)).status).toBe(401);
    const bad = await evaluate({ principal: { spiffe_id: 'spiffe://x/y' }, request: {} });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(bad.body.error_description).toMatch(/^request\.audience/);
    const notSpiffe = await evaluate({
      principal: { spiffe_id: 'https://x' },
      request: { audience: 'tickets', scope: 'tickets:read' },
    });
    expect(notSpiffe.body.error_description).toMatch(/principal\.spiffe_id/);
    const unknown = await evaluate({
      principal: { spiffe_id: 'spiffe://x/y' },
      request: { audience: 'billing', scope: 'x' },
    });
    expect(unknown.body.error).toBe('invalid_target');
  });
});
