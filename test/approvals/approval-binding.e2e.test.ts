import { generateApiKey } from '../../src/operators/api-keys.js';
import { expectDocumented } from '../support/openapi-contract.js';
import { startTestBroker, TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';

const approver = generateApiKey();

/** deploy agents may do anything to deploy; destructive scopes wait for an operator; purge never. */
const POLICIES = {
  'deploy.cedar': `
@id("deploy-agents")
permit (principal, action, resource == Resource::"deploy")
when { principal.path.contains("deploy") };
@id("destructive-needs-approval")
forbid (principal, action in Action::"destructive", resource)
unless { context.approved };
@id("never-purge")
forbid (principal, action == Action::"deploy:purge", resource);
`,
};

const deployResource = (partial: boolean) => ({
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  ...(partial ? { partial: true } : {}),
  scopes: {
    'deploy:read': 'read',
    'deploy:destroy-env': 'destructive',
    'deploy:purge': 'destructive',
  },
});

async function startDeployBroker(partial: boolean, tiers?: Record<string, unknown>) {
  return startTestBroker({
    config: {
      resources: { ...TEST_RESOURCES, deploy: deployResource(partial) },
      ...(tiers ? { tiers } : {}),
      operators: {
        api_keys: [{ name: 'alice', sha256: approver.sha256, roles: ['approver', 'viewer'] }],
      },
    },
    policies: POLICIES,
  });
}

function operatorOf(t: () => TestBroker) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t().url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${approver.key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const answer = { status: res.status, headers: res.headers, body: await res.json() };
    expectDocumented(method, path, answer);
    return answer as { status: number; body: Record<string, unknown> };
  };
}

describe('an approval binds everything the approver was shown, end to end', () => {
  let t: TestBroker;
  const operator = operatorOf(() => t);
  const destroy = async (fields: Record<string, unknown> = {}) => {
    const answer = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/deploy' }),
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      intent: { purpose: 'remove preview env', targets: ['preview-42'] },
      requested_ttl: 30,
      ...fields,
    });
    expectDocumented('POST', '/token-exchange', answer);
    return answer;
  };

  beforeAll(async () => {
    t = await startDeployBroker(false);
  });
  afterAll(() => t.close());

  it('shows the approver every bound field, and refuses a repeat that differs in any, naming it', async () => {
    const asked = await destroy();
    expect(asked.body.error).toBe('approval_required');
    const id = asked.body.approval_id as string;
    const taskId = asked.body.task_id as string;

    const shown = await operator('GET', `/v1/approvals/${id}`);
    expect(shown.body).toMatchObject({
      agent: 'spiffe://test.example/agent/deploy',
      task_id: taskId,
      resource: 'deploy',
      audience: 'https://deploy.example',
      scope: 'deploy:destroy-env',
      tier: 'destructive',
      sensitivity: 'confidential',
      purpose: 'remove preview env',
      targets: ['preview-42'],
      requested_ttl: 30,
      ttl: 30,
    });
    expect(
      (await operator('POST', `/v1/approvals/${id}`, { decision: 'approve', reason: 'CHG-7' }))
        .status,
    ).toBe(200);

    const repeats: [string, Record<string, unknown>][] = [
      ['intent.targets', { intent: { purpose: 'remove preview env', targets: ['production'] } }],
      [
        'intent.targets',
        { intent: { purpose: 'remove preview env', targets: ['preview-42', 'production'] } },
      ],
      ['intent.purpose', { intent: { purpose: 'remove production env', targets: ['preview-42'] } }],
      [
        'sensitivity',
        {
          intent: {
            purpose: 'remove preview env',
            targets: ['preview-42'],
            sensitivity: 'restricted',
          },
        },
      ],
      ['requested_ttl', { requested_ttl: 60 }],
      ['requested_ttl', { requested_ttl: undefined }],
      ['scope', { scope: 'deploy:destroy-env deploy:read' }],
      ['task_id', { task_id: 'T-other' }],
    ];
    for (const [field, change] of repeats) {
      const refused = await destroy({ approval_id: id, ...change });
      expect({ field, status: refused.status, error: refused.body.error }).toEqual({
        field,
        status: 400,
        error: 'invalid_grant',
      });
      expect(refused.body.error_description).toContain(`different ${field}`);
    }

    // The approval survives refused repeats: the exact request is granted, once, as approved.
    const granted = await destroy({ approval_id: id });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({
      scope: 'deploy:destroy-env',
      task_id: taskId,
      expires_in: 30,
    });
  });
});

describe('approvals on a partial resource', () => {
  let t: TestBroker;
  const operator = operatorOf(() => t);
  const ask = async (scope: string) => {
    const answer = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/deploy' }),
      audience: 'deploy',
      scope,
      intent: { purpose: 'tidy previews', targets: ['preview-42'] },
    });
    expectDocumented('POST', '/token-exchange', answer);
    return answer;
  };
  const pendingIds = async () =>
    (
      (await operator('GET', '/v1/approvals?state=pending')).body.approvals as {
        approval_id: string;
      }[]
    ).map((a) => a.approval_id);

  beforeAll(async () => {
    t = await startDeployBroker(true, {
      read: { ttl: '5m' },
      write: { ttl: '2m' },
      destructive: { ttl: '1m', require_approval: true },
    });
  });
  afterAll(() => t.close());

  it('asks the operator only for the scopes policy allows once approved, and grants those on the repeat', async () => {
    const asked = await ask('deploy:read deploy:destroy-env deploy:purge');
    expect(asked.status).toBe(403);
    expect(asked.body.error).toBe('approval_required');
    const id = asked.body.approval_id as string;
    const shown = await operator('GET', `/v1/approvals/${id}`);
    expect(shown.body).toMatchObject({
      scope: 'deploy:read deploy:destroy-env',
      tier: 'destructive',
    });
    await operator('POST', `/v1/approvals/${id}`, { decision: 'approve', reason: 'tidy-up' });

    const repeat = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/deploy' }),
      audience: 'deploy',
      scope: 'deploy:read deploy:destroy-env deploy:purge',
      intent: { purpose: 'tidy previews', targets: ['preview-42'] },
      task_id: asked.body.task_id,
      approval_id: id,
    });
    expect(repeat.status).toBe(200);
    expect(repeat.body.scope).toBe('deploy:read deploy:destroy-env');
  });

  it('creates no approval when policy refuses every scope an operator could approve', async () => {
    const before = await pendingIds();
    const refused = await ask('deploy:purge');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: 'invalid_scope',
      refused_scopes: ['deploy:purge'],
    });
    expect(await pendingIds()).toEqual(before);
  });

  it('grants what policy allows without bothering an operator when only refused scopes need approval', async () => {
    const before = await pendingIds();
    const granted = await ask('deploy:read deploy:purge');
    expect(granted.status).toBe(200);
    expect(granted.body.scope).toBe('deploy:read');
    expect(await pendingIds()).toEqual(before);
  });
});
