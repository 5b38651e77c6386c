import type { Redis } from 'ioredis';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { deleteKeys, connectRedis, uniquePrefix } from '../grants/redis-support.js';
import { OPERATOR_KEYS, call, startRedisBroker } from '../e2e/redis-broker.js';
import { BROKER_CREDENTIALS, FakeAws, type RecordedCall } from '../support/fake-aws/fake-aws.js';
import { apiContract } from '../support/openapi-contract.js';
import { TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';
import { REPORTS_RESOURCE } from '../support/fake-aws/reports-resource.js';

const AGENT = 'spiffe://test.example/agent/triage';
const AWS_TYPE = 'urn:mandate:token-type:aws-credentials';
const ROLE = 'arn:aws:iam::123456789012:role/agent-reports';

/** The grant an AssumeRole call was for: its session is `mandate-<grant id>`. */
const grantIdOf = (c: RecordedCall) => c.params.RoleSessionName!.replace(/^mandate-/, '');

describe('exchanges for AWS credentials, end to end (real server, Redis, STS client)', () => {
  let t: TestBroker;
  let fake: FakeAws;
  let redis: Redis;
  const audit = new MemoryAuditLog();
  const prefix = uniquePrefix();
  // One frozen clock for the broker and the fake STS: lifetimes are exact.
  const NOW = Math.floor(Date.now() / 1000) * 1000;
  const clock = { now: () => NOW };
  beforeAll(async () => {
    redis = await connectRedis();
    fake = await FakeAws.start({ now: clock.now });
    t = await startRedisBroker(prefix, {
      config: {
        resources: { ...TEST_RESOURCES, reports: REPORTS_RESOURCE },
        aws: { region: 'eu-west-1', endpoint: fake.endpoint },
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
  afterEach(() => {
    fake.beforeAnswer = undefined;
  });

  /** An exchange for the reports role; the answer is checked against openapi.yaml. */
  const exchange = async (fields: Record<string, unknown> = {}) => {
    const res = await t.exchange({
      audience: 'reports',
      scope: 'reports:read',
      requested_token_type: AWS_TYPE,
      intent: { purpose: 'summarise Q1 reports', targets: ['2026-q1'] },
      ...fields,
    });
    apiContract().check({
      method: 'POST',
      url: '/token-exchange',
      status: res.status,
      headers: res.headers,
      body: JSON.stringify(res.body),
    });
    return res;
  };

  const grantOf = (jti: string) =>
    call(
      t.url,
      'GET',
      `/v1/grants/${jti}?agent=${encodeURIComponent(AGENT)}`,
      OPERATOR_KEYS.viewer.key,
    );

  it('answers credential_process credentials in RFC 8693’s shape, 900 s, and says so plainly', async () => {
    const res = await exchange();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = res.body;
    const credentials = JSON.parse(body.access_token as string) as Record<string, unknown>;
    const session = fake.sessions.get(credentials.AccessKeyId as string)!;
    expect(credentials).toEqual({
      Version: 1,
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: session.expiration.toISOString(),
    });
    expect(body).toMatchObject({
      issued_token_type: AWS_TYPE,
      token_type: 'N_A',
      scope: 'reports:read',
      aws: {
        role_arn: ROLE,
        session_name: `mandate-${String(body.grant_id)}`,
        expiration: session.expiration.toISOString(),
      },
    });
    expect(body.expires_in).toBe(900);
    expect(body.lifetime_notice).toBe(
      'AWS sessions last at least 900 s: these credentials live 900 s, longer than the 300 s this grant would have had. The grant lives as long as they do; revoking it, its task or the agent ends them sooner where the broker revokes AWS sessions (aws.revocation: deny_policy).',
    );
    const params = fake.callsOf('AssumeRole').at(-1)!.params;
    expect(params.DurationSeconds).toBe('900');
    expect(params.Policy).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::reports/2026-q1/*"]}]}',
    );
    expect(params['Tags.member.1.Value']).toBe(body.grant_id);
    expect(params['Tags.member.2.Value']).toBe(body.task_id);
    // The grant records the credentials' real expiry: live as long as they are.
    const grant = await grantOf(body.grant_id as string);
    expect(grant.status).toBe(200);
    expect(grant.body).toMatchObject({ live: true });
    const { issued_at, expires_at } = grant.body as { issued_at: number; expires_at: number };
    expect(expires_at - issued_at).toBe(900);
  });

  it('audits the access key id and session name, never a secret', async () => {
    const res = await exchange();
    const credentials = JSON.parse(res.body.access_token as string) as Record<string, string>;
    const event = audit.of('token_exchange').find((e) => e.jti === res.body.grant_id)!;
    expect(event).toMatchObject({
      outcome: 'granted',
      aws: {
        role_arn: ROLE,
        session_name: `mandate-${String(res.body.grant_id)}`,
        access_key_id: credentials.AccessKeyId,
      },
    });
    const trail = JSON.stringify(audit.events);
    expect(trail).not.toContain(credentials.SecretAccessKey);
    expect(trail).not.toContain(credentials.SessionToken);
  });

  it('records the grant before STS is called', async () => {
    const seen: unknown[] = [];
    fake.beforeAnswer = async (c) => {
      if (c.action !== 'AssumeRole') return;
      const jti = grantIdOf(c);
      const grant = await grantOf(jti);
      seen.push([grant.status, grant.body.live]);
    };
    expect((await exchange()).status).toBe(200);
    expect(seen).toEqual([[200, true]]);
  });

  it('revokes the grant when STS refuses, naming the STS code (403)', async () => {
    fake.fail('AssumeRole', 'AccessDenied');
    const before = fake.callsOf('AssumeRole').length;
    const res = await exchange();
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'access_denied',
      error_description: 'AWS STS refused the session: AccessDenied',
      aws_error: 'AccessDenied',
    });
    const jti = grantIdOf(fake.callsOf('AssumeRole')[before]!);
    const grant = await grantOf(jti);
    // Revoked: the grant is gone from the store.
    expect(grant.status).toBe(404);
  });

  it('answers 503 with Retry-After when STS throttles or does not answer, and revokes the grant', async () => {
    fake.fail('AssumeRole', 'Throttling');
    const throttled = await exchange();
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(throttled.body).toMatchObject({
      error: 'temporarily_unavailable',
      aws_error: 'Throttling',
    });
    fake.fail('AssumeRole', 'drop');
    const dropped = await exchange();
    expect(dropped.status).toBe(503);
    expect(dropped.body).toMatchObject({ error: 'temporarily_unavailable', aws_error: 'network' });
    const jti = fake
      .callsOf('AssumeRole')
      .at(-1)!
      .params.RoleSessionName!.replace(/^mandate-/, '');
    const grant = await grantOf(jti);
    // Revoked: the grant is gone from the store.
    expect(grant.status).toBe(404);
  });

  it('refuses ${target} without targets before recording or calling anything', async () => {
    const before = fake.callsOf('AssumeRole').length;
    const res = await exchange({ intent: { purpose: 'summarise reports' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description:
        "scope reports:read is limited to the intent's targets (${target} in its ARNs); name them in intent.targets",
    });
    expect(fake.callsOf('AssumeRole')).toHaveLength(before);
  });

  it('issues AWS credentials when no token type is asked, and only for kind: aws resources', async () => {
    const plain = await exchange({ requested_token_type: undefined, scope: 'reports:list' });
    expect(plain.status).toBe(200);
    expect(plain.body.issued_token_type).toBe(AWS_TYPE);
    const accessToken = await exchange({
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    expect(accessToken.status).toBe(400);
    expect(accessToken.body.error_description).toBe(
      `reports is an AWS resource: it issues AWS credentials only (requested_token_type ${AWS_TYPE})`,
    );
    const onApi = await exchange({ audience: 'tickets', scope: 'tickets:read' });
    expect(onApi.status).toBe(400);
    expect(onApi.body.error_description).toBe(
      `requested_token_type ${AWS_TYPE} is issued for kind: aws resources only; tickets is not one`,
    );
  });
});
