import type { Redis } from 'ioredis';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { OPERATOR_KEYS, call, startRedisBroker } from '../e2e/redis-broker.js';
import { eventually } from '../support/eventually.js';
import { BROKER_CREDENTIALS, FakeAws } from '../support/fake-aws/fake-aws.js';
import { TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';
import { REPORTS_RESOURCE } from '../support/fake-aws/reports-resource.js';

const AGENT = 'spiffe://test.example/agent/triage';
const Q = `agent=${encodeURIComponent(AGENT)}`;
const ROLE = 'agent-reports';
const POLICY = 'mandate-revoked-sessions';

type Statement = { Sid: string; Condition: Record<string, Record<string, string>> };

describe('revocation that reaches AWS (aws.revocation: deny_policy), end to end', () => {
  let t: TestBroker;
  let fake: FakeAws;
  let redis: Redis;
  const audit = new MemoryAuditLog();
  const prefix = uniquePrefix();
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  beforeAll(async () => {
    redis = await connectRedis();
    fake = await FakeAws.start();
    t = await startRedisBroker(prefix, {
      config: {
        resources: { ...TEST_RESOURCES, reports: REPORTS_RESOURCE },
        aws: { region: 'eu-west-1', endpoint: fake.endpoint, revocation: 'deny_policy' },
      },
      deps: { awsCredentials: BROKER_CREDENTIALS, audit, clock },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const issue = async (task?: string) => {
    const res = await t.exchange({
      audience: 'reports',
      scope: 'reports:read',
      intent: { purpose: 'summarise Q1 reports', targets: ['2026-q1'] },
      ...(task ? { task_id: task } : {}),
    });
    expect(res.status).toBe(200);
    return res.body as { grant_id: string; task_id: string; access_token: string };
  };
  const statements = () => (fake.policyOf(ROLE, POLICY)?.Statement ?? []) as Statement[];
  const denying = (tag: string, value: string) =>
    statements().find((s) => s.Condition.StringEquals?.[`aws:PrincipalTag/${tag}`] === value);

  it('denies a revoked grant’s session by its tag on the role, until it expires, audited', async () => {
    const { grant_id } = await issue();
    const res = await call(
      t.url,
      'POST',
      `/v1/grants/${grant_id}/revoke?${Q}`,
      OPERATOR_KEYS.revoker.key,
    );
    expect(res.status).toBe(200);
    // Audited once IAM answered: wait for the audit line, which follows the write.
    await eventually(
      () => audit.of('aws_sessions_denied').some((e) => e.jti === grant_id),
      'the grant’s deny in IAM, audited',
      15_000,
    );
    const statement = denying('mandate:grant', grant_id)!;
    const until = Number(/^Mandate(\d+)T/.exec(statement.Sid)![1]);
    const nowS = Math.floor(clock.now() / 1000);
    expect(until).toBeGreaterThanOrEqual(nowS + 900);
    expect(until).toBeLessThanOrEqual(nowS + 960);
    expect(statement).toMatchObject({ Effect: 'Deny', Action: '*', Resource: '*' });
    expect(audit.of('aws_sessions_denied')).toContainEqual(
      expect.objectContaining({
        role_arn: REPORTS_RESOURCE.aws.role_arn,
        revocation: 'grant',
        jti: grant_id,
        statement: 'tag',
      }),
    );
    expect(fake.callsOf('PutRolePolicy').at(-1)!.signedBy.service).toBe('iam');
  });

  it('denies a completed task’s sessions by agent and task tags', async () => {
    const { task_id } = await issue();
    const svid = await t.td.svid({ path: '/agent/triage' });
    const done = await fetch(`${t.url}/v1/tasks/${task_id}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svid}` },
    });
    expect(done.status).toBe(200);
    await eventually(
      () => denying('mandate:task', task_id) !== undefined,
      'the task’s deny in IAM',
    );
    expect(Object.keys(denying('mandate:task', task_id)!.Condition.StringEquals!)).toEqual([
      'aws:PrincipalTag/mandate:agent',
      'aws:PrincipalTag/mandate:task',
    ]);
  });

  it('retries a failed IAM write, shows it in /readyz and metrics, then writes it', async () => {
    fake.fail('PutRolePolicy', 'Throttling', 1);
    const failedBefore = await failures();
    const { grant_id } = await issue();
    await call(t.url, 'POST', `/v1/grants/${grant_id}/revoke?${Q}`, OPERATOR_KEYS.revoker.key);
    await eventually(async () => (await failures()) > failedBefore, 'a counted failure');
    const ready = await call(t.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      aws_revocation: {
        state: 'retrying',
        last_error: expect.stringContaining('Throttling') as unknown,
      },
    });
    await t.broker.awsRevoker!.drain();
    expect(denying('mandate:grant', grant_id)).toBeDefined();
    expect((await call(t.url, 'GET', '/readyz')).body).toEqual({
      status: 'ready',
      // the test hands the broker its own audit log (deps.audit): no sinks to report
      audit: [],
      aws_revocation: { state: 'ok' },
    });
  });

  it('falls back to "deny sessions issued before now" when IAM says the role’s policies are full', async () => {
    const filler = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'x:Y', Resource: `arn:aws:s3:::${'f'.repeat(9800)}` }],
    });
    fake.rolePolicies.get(ROLE)!.set('ops-filler', filler);
    const { grant_id } = await issue();
    await call(t.url, 'POST', `/v1/grants/${grant_id}/revoke?${Q}`, OPERATOR_KEYS.revoker.key);
    await eventually(
      () => audit.of('aws_sessions_denied').some((e) => e.jti === grant_id),
      'the fold',
    );
    expect(audit.of('aws_sessions_denied').find((e) => e.jti === grant_id)!.statement).toBe(
      'issued_before',
    );
    const all = statements();
    expect(all).toHaveLength(1);
    expect(all[0]!.Sid).toMatch(/^Mandate\d+B$/);
    expect(Object.keys(all[0]!.Condition)).toEqual(['DateLessThan']);
    fake.rolePolicies.get(ROLE)!.delete('ops-filler');
  });

  it('denies an agent’s sessions issued up to its revocation', async () => {
    await issue();
    const res = await call(t.url, 'POST', `/v1/agent/revoke?${Q}`, OPERATOR_KEYS.admin.key);
    expect(res.status).toBe(200);
    await eventually(
      () =>
        statements().some(
          (s) =>
            s.Condition.DateLessThan?.['aws:TokenIssueTime'] !== undefined &&
            s.Condition.StringEquals?.['aws:PrincipalTag/mandate:agent'] !== undefined,
        ),
      'the agent’s deny in IAM',
    );
  });

  it('prunes every statement once its sessions have expired, deleting the policy', async () => {
    expect(statements().length).toBeGreaterThan(0);
    offsetMs = 2 * 3600 * 1000;
    await t.broker.awsRevoker!.pruneAll();
    expect(fake.policyOf(ROLE, POLICY)).toBeUndefined();
    expect(audit.of('aws_deny_pruned').at(-1)).toMatchObject({
      role_arn: REPORTS_RESOURCE.aws.role_arn,
      left: 0,
    });
  });

  async function failures(): Promise<number> {
    const metric = await t.broker.metrics.awsRevocations.get();
    return metric.values.find((v) => v.labels.outcome === 'failed')?.value ?? 0;
  }
});

describe('a loop trip reaches AWS too', () => {
  let t: TestBroker;
  let fake: FakeAws;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    fake = await FakeAws.start();
    t = await startRedisBroker(prefix, {
      config: {
        resources: { ...TEST_RESOURCES, reports: REPORTS_RESOURCE },
        aws: { region: 'eu-west-1', endpoint: fake.endpoint, revocation: 'deny_policy' },
        loops: { max_identical: 2 },
      },
      deps: { awsCredentials: BROKER_CREDENTIALS },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    const redis = await connectRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('denies the sessions of a task a loop rule halted', async () => {
    const ask = (task?: string) =>
      t.exchange({
        audience: 'reports',
        scope: 'reports:read',
        intent: { purpose: 'summarise Q1 reports', targets: ['2026-q1'] },
        ...(task ? { task_id: task } : {}),
      });
    const first = await ask();
    const task = first.body.task_id as string;
    const second = await ask(task);
    expect(second.status).toBe(200);
    const tripped = await ask(task);
    expect(tripped.status).toBe(403);
    expect(tripped.body.error).toBe('task_halted');
    const denied = () =>
      ((fake.policyOf(ROLE, POLICY)?.Statement ?? []) as Statement[]).map(
        (s) => s.Condition.StringEquals?.['aws:PrincipalTag/mandate:grant'],
      );
    await eventually(
      () => [first, second].every((r) => denied().includes(r.body.grant_id as string)),
      'both grants’ sessions denied',
    );
  });
});

describe('the revoker resumes from the feed after a restart', () => {
  it('denies a revocation made while no revoker ran, from the feed retained in Redis', async () => {
    const fake = await FakeAws.start();
    const prefix = uniquePrefix();
    const config = {
      resources: { ...TEST_RESOURCES, reports: REPORTS_RESOURCE },
      aws: { region: 'eu-west-1', endpoint: fake.endpoint, revocation: 'none' },
    };
    // A broker that does not revoke in AWS (or one that crashed) issues and revokes a session.
    const before = await startRedisBroker(prefix, {
      config,
      deps: { awsCredentials: BROKER_CREDENTIALS },
    });
    const issued = await before.exchange({
      audience: 'reports',
      scope: 'reports:read',
      intent: { purpose: 'summarise Q1 reports', targets: ['2026-q1'] },
    });
    const jti = issued.body.grant_id as string;
    await call(before.url, 'POST', `/v1/grants/${jti}/revoke?${Q}`, OPERATOR_KEYS.revoker.key);
    await before.close();
    expect(fake.policyOf(ROLE, POLICY)).toBeUndefined();
    // The next broker on the same Redis picks the entry up from the feed.
    const audit = new MemoryAuditLog();
    const after = await startRedisBroker(prefix, {
      config: { ...config, aws: { ...config.aws, revocation: 'deny_policy' } },
      deps: { awsCredentials: BROKER_CREDENTIALS, audit },
    });
    try {
      await eventually(
        () => audit.of('aws_sessions_denied').some((e) => e.jti === jti),
        'the deny written by the next broker',
        15_000,
      );
      const statements = fake.policyOf(ROLE, POLICY)!.Statement as Statement[];
      expect(
        statements.map((s) => s.Condition.StringEquals?.['aws:PrincipalTag/mandate:grant']),
      ).toEqual([jti]);
    } finally {
      await after.close();
      await fake.close();
      const redis = await connectRedis();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });
});
