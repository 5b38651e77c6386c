import type { Redis } from 'ioredis';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { freePort } from '../support/free-port.js';
import {
  apiContract,
  checkedFetch,
  checkedStream,
  type CheckedResponse,
} from '../support/openapi-contract.js';
import { TEST_RESOURCES, startTestBroker, type TestBroker } from '../support/test-broker.js';
import {
  OPERATORS_CONFIG,
  OPERATOR_KEYS,
  sharedSigningKey,
  startRedisBroker,
} from './redis-broker.js';

/** A resource whose destructive scope an operator must approve (config/policies/deploy.cedar). */
const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:release': 'write', 'deploy:destroy-env': 'destructive' },
};
const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** Over the 16 KiB body limit. */
const HUGE = 'x'.repeat(17 * 1024);

type Role = keyof typeof OPERATOR_KEYS;

/** A request: an operator key by role (or any bearer token), and a form, JSON or text body. */
interface Send {
  readonly as?: Role;
  readonly bearer?: string;
  readonly form?: Record<string, string>;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

/** Sends a request to `base` and validates the answer against openapi.yaml. */
function send(base: string, method: string, path: string, req: Send = {}) {
  const token = req.as !== undefined ? OPERATOR_KEYS[req.as].key : req.bearer;
  const headers: Record<string, string> = {
    ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    ...req.headers,
  };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.text !== undefined) {
    headers['content-type'] = 'text/plain';
    body = req.text;
  }
  return checkedFetch(`${base}${path}`, { method, headers, ...(body ? { body } : {}) });
}

/**
 * Drives every route of the real server through its success and its refusals, each answer
 * validated against openapi.yaml; the last test fails if a documented answer was never seen.
 * A second broker, whose Redis is unreachable, gives the 503s.
 */
describe('every route answers as openapi.yaml documents', () => {
  let t: TestBroker;
  let down: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  const agentId = (path: string) => `spiffe://${t.td.trustDomain}${path}`;
  const q = (agent: string) => `agent=${encodeURIComponent(agent)}`;

  /** An exchange by the agent at `path` on `broker`: one read of ticket T-1 unless overridden. */
  async function exchange(
    path: string,
    fields: Record<string, unknown> = {},
    broker: TestBroker = t,
  ): Promise<CheckedResponse> {
    const json = {
      grant_type: EXCHANGE_GRANT,
      subject_token: await broker.td.svid({ path }),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      audience: 'tickets',
      scope: 'tickets:read',
      intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
      ...fields,
    };
    return send(broker.url, 'POST', '/token-exchange', { json });
  }

  async function issued(path: string, fields: Record<string, unknown> = {}) {
    const res = await exchange(path, fields);
    expect(res.body.error).toBeUndefined();
    return { token: res.body.access_token as string, task: res.body.task_id as string };
  }

  /** 401 without a key, 403 with a key lacking the role, 503 from the broker without Redis. */
  async function guarded(method: string, path: string, lacking: Role, role: Role, req: Send = {}) {
    const statuses = [
      (await send(t.url, method, path, req)).status,
      (await send(t.url, method, path, { ...req, as: lacking })).status,
      (await send(down.url, method, path, { ...req, as: role })).status,
    ];
    expect({ path, statuses }).toEqual({ path, statuses: [401, 403, 503] });
  }

  beforeAll(async () => {
    redis = await connectRedis();
    // One signing key for both brokers, so a token of `t` reaches the store of `down`.
    const signing = { keys: [{ file: await sharedSigningKey() }] };
    t = await startRedisBroker(prefix, {
      config: {
        signing,
        resources: { ...TEST_RESOURCES, deploy: DEPLOY },
        loops: { max_identical: 2, rate_limit: { max: 5, window: '1m' } },
        audit: { sinks: [{ type: 'stdout' }, { type: 'redis' }] },
      },
    });
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    down = await startRedisBroker('unreachable', {
      redisUrl: unreachable,
      config: {
        signing,
        store: { redis_url: unreachable, connect_timeout_ms: 200 },
        audit: { sinks: [{ type: 'redis' }] },
      },
    });
  });
  afterAll(async () => {
    await Promise.all([t.close(), down.close()]);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('serves its public documents and probes', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/.well-known/jwks.json']) {
      expect({ path, status: (await send(t.url, 'GET', path)).status }).toEqual({
        path,
        status: 200,
      });
    }
    const metadata = await send(t.url, 'GET', '/.well-known/oauth-authorization-server');
    expect(metadata.body.scopes_supported).toEqual([
      ...Object.keys(TEST_RESOURCES.tickets.scopes),
      ...Object.keys(TEST_RESOURCES.payroll.scopes),
      ...Object.keys(DEPLOY.scopes),
    ]);
    const notReady = await send(down.url, 'GET', '/readyz');
    expect(notReady.body).toEqual({ status: 'unavailable', reason: 'store unreachable' });
  });

  it('exchanges, and refuses with each documented status', async () => {
    expect((await exchange('/agent/triage')).status).toBe(200);
    const byForm = await send(t.url, 'POST', '/token-exchange', {
      form: {
        grant_type: EXCHANGE_GRANT,
        subject_token: await t.td.svid({ path: '/agent/triage' }),
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        audience: 'tickets',
        scope: 'tickets:read',
        intent: JSON.stringify({ purpose: 'triage ticket T-2' }),
      },
    });
    expect(byForm.status).toBe(200);
    const refused = await exchange('/agent/triage', { scope: 'tickets:fly' });
    expect(refused.body).toMatchObject({ error: 'invalid_scope', refused_scopes: ['tickets:fly'] });
    const asked = await exchange('/agent/deploy', {
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      intent: { purpose: 'remove preview env', targets: ['preview-42'] },
    });
    expect(asked.body.error).toBe('approval_required');
    expect((await exchange('/agent/triage', { intent: { purpose: HUGE } })).status).toBe(413);
    expect((await send(t.url, 'POST', '/token-exchange', { text: 'grant_type=x' })).status).toBe(
      415,
    );
    const answers: number[] = [];
    for (let i = 0; i < 6; i += 1) answers.push((await exchange('/agent/triage-busy')).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await exchange('/agent/triage', {}, down)).status).toBe(503);
  });

  it('introspects and revokes tokens', async () => {
    const { token } = await issued('/agent/triage-tokens');
    const rs = { as: 'resource_server' as const };
    expect(
      (await send(t.url, 'POST', '/introspect', { ...rs, form: { token } })).body,
    ).toMatchObject({ active: true });
    expect((await send(down.url, 'POST', '/revoke', { form: { token } })).status).toBe(503);
    expect((await send(t.url, 'POST', '/revoke', { form: { token } })).status).toBe(200);
    expect((await send(t.url, 'POST', '/introspect', { ...rs, form: { token } })).body).toEqual({
      active: false,
    });
    for (const [path, auth] of [
      ['/revoke', {}],
      ['/introspect', rs],
    ] as const) {
      const statuses = [
        (await send(t.url, 'POST', path, { ...auth, form: {} })).status,
        (await send(t.url, 'POST', path, { ...auth, json: { token: HUGE } })).status,
        (await send(t.url, 'POST', path, { ...auth, text: 'token=x' })).status,
      ];
      expect({ path, statuses }).toEqual({ path, statuses: [400, 413, 415] });
    }
    await guarded('POST', '/introspect', 'viewer', 'resource_server', { form: { token } });
  });

  it('lets an agent complete its task', async () => {
    const { token, task } = await issued('/agent/triage-done');
    const other = await issued('/agent/triage-done');
    const complete = (id: string, bearer?: string, base = t.url) =>
      send(base, 'POST', `/v1/tasks/${id}/complete`, bearer ? { bearer } : {});
    expect((await complete('bad!id', token)).status).toBe(400);
    expect((await complete(task)).status).toBe(401);
    expect((await complete(other.task, token)).status).toBe(404);
    expect((await complete(task, token, down.url)).status).toBe(503);
    expect((await complete(task, token)).body).toMatchObject({ status: 'completed', revoked: 1 });
  });

  it('lets operators see, revoke and resume grants and tasks', async () => {
    const path = '/agent/triage-ops';
    const agent = q(agentId(path));
    const { task } = await issued(path);
    const grant = (
      await issued(path, { task_id: task, intent: { purpose: 'triage', targets: ['T-2'] } })
    ).token;
    const jti = JSON.parse(Buffer.from(grant.split('.')[1]!, 'base64url').toString()) as {
      jti: string;
    };
    const reads: [string, string][] = [
      [`/v1/grants?${agent}`, '/v1/grants?task=x'],
      [`/v1/grants/${jti.jti}?${agent}`, `/v1/grants/${jti.jti}`],
      [`/v1/tasks?${agent}`, '/v1/tasks?status=sleeping'],
      [`/v1/tasks/${task}?${agent}`, `/v1/tasks/${task}`],
      [`/v1/agent?${agent}`, '/v1/agent'],
    ];
    for (const [ok, bad] of reads) {
      expect((await send(t.url, 'GET', ok, { as: 'viewer' })).status).toBe(200);
      expect((await send(t.url, 'GET', bad, { as: 'viewer' })).status).toBe(400);
      await guarded('GET', ok, 'resource_server', 'viewer');
    }
    for (const missing of [`/v1/grants/nope?${agent}`, `/v1/tasks/nope?${agent}`]) {
      expect((await send(t.url, 'GET', missing, { as: 'viewer' })).status).toBe(404);
    }

    const changes: [string, string, Role, string | undefined][] = [
      [`/v1/grants/${jti.jti}/revoke?${agent}`, `/v1/grants/${jti.jti}/revoke`, 'revoker', 'nope'],
      [`/v1/tasks/${task}/revoke?${agent}`, `/v1/tasks/${task}/revoke`, 'revoker', 'nope'],
      [`/v1/tasks/${task}/resume?${agent}`, `/v1/tasks/${task}/resume`, 'revoker', 'nope'],
      [`/v1/agent/revoke?${agent}`, '/v1/agent/revoke', 'admin', undefined],
      [`/v1/agent/block?${agent}`, `/v1/agent/block?${agent}&for=forever`, 'admin', undefined],
      [`/v1/agent/unblock?${agent}`, '/v1/agent/unblock', 'admin', undefined],
    ];
    for (const [ok, bad, role, missingId] of changes) {
      expect((await send(t.url, 'POST', bad, { as: role })).status).toBe(400);
      await guarded('POST', ok, 'viewer', role);
      if (missingId !== undefined) {
        const missing = ok.replace(/\/(grants|tasks)\/[^/]+\//, `/$1/${missingId}/`);
        expect((await send(t.url, 'POST', missing, { as: role })).status).toBe(404);
      }
    }
    // Successes, in an order that keeps each meaningful: a grant, then its task, then the agent.
    const [revokeGrant, revokeTask, , revokeAgent, block, unblock] = changes.map((c) => c[0]);
    expect((await send(t.url, 'POST', revokeGrant!, { as: 'revoker' })).body.revoked).toBe(1);
    expect((await send(t.url, 'POST', revokeTask!, { as: 'revoker' })).body.status).toBe('revoked');
    // Only a halted task resumes; a revoked one is over.
    expect((await send(t.url, 'POST', changes[2]![0], { as: 'revoker' })).status).toBe(400);
    for (const ok of [revokeAgent!, block!, unblock!]) {
      expect((await send(t.url, 'POST', ok, { as: 'admin' })).status).toBe(200);
    }
  });

  it('halts a looping task, and an operator resumes it', async () => {
    const path = '/agent/triage-loop';
    const { task } = await issued(path);
    await issued(path, { task_id: task });
    const tripped = await exchange(path, { task_id: task });
    expect(tripped.body).toMatchObject({ error: 'task_halted', rule: 'max_identical' });
    const resume = `/v1/tasks/${task}/resume?${q(agentId(path))}`;
    expect((await send(t.url, 'POST', resume, { as: 'revoker' })).body.status).toBe('active');
  });

  it('blocks an agent, whose exchanges are then refused', async () => {
    const path = '/agent/triage-blocked';
    await send(t.url, 'POST', `/v1/agent/block?${q(agentId(path))}`, { as: 'admin' });
    expect((await exchange(path)).body.error).toBe('access_denied');
  });

  it('serves the revocation feed, polled and streamed', async () => {
    const { token } = await issued('/agent/triage-feed');
    await send(t.url, 'POST', '/revoke', { form: { token } });
    const page = await send(t.url, 'GET', '/v1/revocations', { as: 'resource_server' });
    expect((page.body.revocations as unknown[]).length).toBeGreaterThan(0);
    expect(
      (await send(t.url, 'GET', '/v1/revocations?since=yesterday', { as: 'viewer' })).status,
    ).toBe(400);
    expect((await send(t.url, 'GET', '/v1/revocations')).status).toBe(401);
    expect((await send(down.url, 'GET', '/v1/revocations', { as: 'viewer' })).status).toBe(503);

    const abort = new AbortController();
    const stream = await checkedStream(`${t.url}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${OPERATOR_KEYS.viewer.key}`, 'last-event-id': '0-0' },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    abort.abort();
    const badCursor = { as: 'viewer' as const, headers: { 'last-event-id': 'yesterday' } };
    expect((await send(t.url, 'GET', '/v1/revocations/stream', badCursor)).status).toBe(400);
    expect((await send(t.url, 'GET', '/v1/revocations/stream')).status).toBe(401);
    const unavailable = { as: 'viewer' as const, headers: { 'last-event-id': '0-0' } };
    expect((await send(down.url, 'GET', '/v1/revocations/stream', unavailable)).status).toBe(503);
  });

  it('lets operators list, see and decide approvals', async () => {
    const asked = await exchange('/agent/deploy', {
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      intent: { purpose: 'remove preview env', targets: ['preview-43'] },
    });
    const id = asked.body.approval_id as string;
    const verdict = { decision: 'approve', reason: 'change CHG-7' };
    expect((await send(t.url, 'GET', '/v1/approvals?state=pending', { as: 'viewer' })).status).toBe(
      200,
    );
    expect(
      (await send(t.url, 'GET', '/v1/approvals?state=sleeping', { as: 'viewer' })).status,
    ).toBe(400);
    await guarded('GET', '/v1/approvals', 'resource_server', 'viewer');
    expect((await send(t.url, 'GET', `/v1/approvals/${id}`, { as: 'viewer' })).status).toBe(200);
    expect((await send(t.url, 'GET', '/v1/approvals/apr_none', { as: 'viewer' })).status).toBe(404);
    await guarded('GET', `/v1/approvals/${id}`, 'resource_server', 'viewer');

    const decide = (req: Send, approval = id) =>
      send(t.url, 'POST', `/v1/approvals/${approval}`, { as: 'approver', ...req });
    expect((await decide({ json: { decision: 'approve' } })).status).toBe(400);
    expect((await decide({ json: { ...verdict, reason: HUGE } })).status).toBe(413);
    expect((await decide({ text: 'approve' })).status).toBe(415);
    expect((await decide({ json: verdict }, 'apr_none')).status).toBe(404);
    expect((await send(t.url, 'POST', `/v1/approvals/${id}`, { json: verdict })).status).toBe(401);
    expect((await decide({ as: 'viewer', json: verdict })).status).toBe(403);
    expect(
      (await send(down.url, 'POST', `/v1/approvals/${id}`, { as: 'approver', json: verdict }))
        .status,
    ).toBe(503);
    expect((await decide({ json: verdict })).body.state).toBe('approved');
    expect((await decide({ json: verdict })).status).toBe(409);
    const pending = await exchange('/agent/deploy', {
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      intent: { purpose: 'remove preview env', targets: ['preview-44'] },
    });
    const early = await exchange('/agent/deploy', {
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      task_id: pending.body.task_id,
      approval_id: pending.body.approval_id,
      intent: { purpose: 'remove preview env', targets: ['preview-44'] },
    });
    expect(early.body.error).toBe('authorization_pending');
  });

  it('evaluates policy for operators', async () => {
    const evaluate = (req: Send) =>
      send(t.url, 'POST', '/v1/policy/evaluate', { as: 'viewer', ...req });
    const principal = { spiffe_id: agentId('/agent/triage') };
    const request = { audience: 'tickets', scope: 'tickets:read', intent: { purpose: 'p' } };
    expect((await evaluate({ json: { principal, request } })).body.decision).toBe('allow');
    expect(
      (await evaluate({ json: { principal, request: { ...request, audience: 'mars' } } })).status,
    ).toBe(400);
    expect((await evaluate({ json: { principal, request, pad: HUGE } })).status).toBe(413);
    expect((await evaluate({ text: '{}' })).status).toBe(415);
    expect((await send(t.url, 'POST', '/v1/policy/evaluate', { json: {} })).status).toBe(401);
    expect((await evaluate({ as: 'resource_server', json: {} })).status).toBe(403);
  });

  it('serves the audit trail to viewers', async () => {
    await issued('/agent/triage');
    const page = await send(t.url, 'GET', '/v1/audit?event=token_exchange&limit=1', {
      as: 'viewer',
    });
    expect(page.body.records).toEqual([expect.objectContaining({ event: 'token_exchange' })]);
    expect((await send(t.url, 'GET', '/v1/audit?outcome=maybe', { as: 'viewer' })).status).toBe(
      400,
    );
    await guarded('GET', '/v1/audit', 'resource_server', 'viewer');
    const noRedisSink = await startTestBroker({ config: { operators: OPERATORS_CONFIG } });
    try {
      expect((await send(noRedisSink.url, 'GET', '/v1/audit', { as: 'viewer' })).status).toBe(404);
    } finally {
      await noRedisSink.close();
    }
  });

  it('has seen every answer openapi.yaml documents', () => {
    const documented = apiContract().operations.flatMap((op) =>
      op.statuses.map((status) => `${op.method} ${op.path} ${status}`),
    );
    const seen = apiContract().validated();
    expect(documented.filter((answer) => !seen.has(answer))).toEqual([]);
  });
});
