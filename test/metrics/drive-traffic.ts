import { OPERATORS_CONFIG, OPERATOR_KEYS, call } from '../e2e/redis-broker.js';
import { postExchange } from '../support/post-exchange.js';
import { TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';

/** A resource with a destructive scope the example policies grant only once approved. */
const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:destroy-env': 'destructive' },
};

/** Config for a broker that can show every kind of traffic {@link driveTraffic} makes. */
export const TRAFFIC_CONFIG = {
  resources: { ...TEST_RESOURCES, deploy: DEPLOY },
  operators: OPERATORS_CONFIG,
};

/** What {@link driveTraffic} did, so a caller can check the metrics counted exactly that. */
export const TRAFFIC = {
  granted: 3,
  refused: { invalid_scope: 1, invalid_request: 1, approval_required: 1 },
  revokedGrants: { agent: 1, task_completed: 1, operator: 1 },
  approvalsRequested: 1,
} as const;

/**
 * Real traffic against a running broker, as agents and an operator make it: exchanges granted
 * and refused (policy, a malformed subject token), an agent revoking its token, an agent
 * completing its task, an operator revoking an agent, and an approval asked for. Throws when
 * the broker answers anything else than expected, so a check never passes on a broken broker.
 */
export async function driveTraffic(t: TestBroker, nowSeconds: () => number): Promise<void> {
  const svid = (path: string) => t.td.svid({ path, now: nowSeconds() });
  const exchange = async (path: string, fields: Record<string, unknown> = {}) =>
    postExchange(t.url, await svid(path), fields);
  const expectStatus = (what: string, status: number, expected: number, body: unknown) => {
    if (status !== expected)
      throw new Error(`${what}: answered ${status}, expected ${expected}: ${JSON.stringify(body)}`);
  };

  const revoked = await exchange('/agent/triage');
  expectStatus('exchange', revoked.status, 200, revoked.body);
  const agentRevoke = await call(t.url, 'POST', '/revoke', undefined, {
    token: revoked.body.access_token as string,
  });
  expectStatus('agent revoke', agentRevoke.status, 200, agentRevoke.body);

  const completed = await exchange('/agent/triage');
  expectStatus('exchange', completed.status, 200, completed.body);
  const complete = await call(
    t.url,
    'POST',
    `/v1/tasks/${completed.body.task_id as string}/complete`,
    completed.body.access_token as string,
  );
  expectStatus('task complete', complete.status, 200, complete.body);

  const other = await exchange('/agent/other');
  expectStatus('exchange', other.status, 200, other.body);
  const agent = encodeURIComponent(`spiffe://${t.td.trustDomain}/agent/other`);
  const operatorRevoke = await call(
    t.url,
    'POST',
    `/v1/agent/revoke?agent=${agent}`,
    OPERATOR_KEYS.admin.key,
  );
  expectStatus('operator revoke', operatorRevoke.status, 200, operatorRevoke.body);

  const refused = await exchange('/agent/triage', { audience: 'payroll', scope: 'payroll:write' });
  expectStatus('payroll:write', refused.status, 400, refused.body);
  const malformed = await postExchange(t.url, 'not-a-jwt');
  expectStatus('malformed subject token', malformed.status, 400, malformed.body);
  const asked = await exchange('/agent/deploy', {
    audience: 'deploy',
    scope: 'deploy:destroy-env',
    intent: { purpose: 'remove preview env', targets: ['preview-42'] },
  });
  expectStatus('destructive exchange', asked.status, 403, asked.body);
}
