import { STSClient } from '@aws-sdk/client-sts';
import { agentHash } from '../../src/aws/aws-names.js';
import { AwsCredentialIssuer } from '../../src/aws/aws-credential-issuer.js';
import { MemoryAwsSessionLedger } from '../../src/aws/aws-session-ledger.js';
import { MandateError } from '../../src/errors.js';
import type { Resource } from '../../src/intent/catalogue.js';
import type { Intent } from '../../src/intent/intent.js';
import { BROKER_CREDENTIALS, FakeAws } from '../support/fake-aws/fake-aws.js';

const NOW = 1_800_000_000;
const REPORTS: Resource = {
  name: 'reports',
  audience: 'aws:reports',
  kind: 'aws',
  sensitivity: 'internal',
  scopes: { 'reports:read': 'read' },
  aws: {
    roleArn: 'arn:aws:iam::123456789012:role/agent-reports',
    region: 'eu-west-1',
    externalId: 'mandate-ext-1',
    transitiveTags: true,
    scopes: {
      'reports:read': {
        actions: ['s3:GetObject'],
        resources: ['arn:aws:s3:::reports/${target}/*'],
      },
    },
  },
};

const intent = (ttlSeconds: number): Intent => ({
  resource: REPORTS,
  scopes: ['reports:read'],
  tier: 'read',
  ttlSeconds,
  purpose: 'quarterly report',
  targets: ['q1'],
  sensitivity: 'internal',
});

const grant = { jti: 'g-1', agentId: 'spiffe://prod.example/agents/report-bot', taskId: 'T~42' };

let fake: FakeAws;
let sessions: MemoryAwsSessionLedger;
let issuer: AwsCredentialIssuer;
beforeAll(async () => {
  fake = await FakeAws.start({ now: () => NOW * 1000 });
});
afterAll(() => fake.close());
beforeEach(() => {
  sessions = new MemoryAwsSessionLedger();
  const clients = new Map<string, STSClient>();
  issuer = new AwsCredentialIssuer({
    defaultRegion: 'us-east-1',
    sessions,
    stsFor: (region) => {
      const client =
        clients.get(region) ??
        new STSClient({
          region,
          endpoint: fake.endpoint,
          credentials: BROKER_CREDENTIALS,
          maxAttempts: 1,
        });
      clients.set(region, client);
      return client;
    },
  });
});

describe('AwsCredentialIssuer through the real STS client', () => {
  it('assumes the role with the session policy, tags, source identity and 900 s for a shorter grant', async () => {
    const plan = issuer.plan(intent(300));
    expect(plan.intent.ttlSeconds).toBe(900);
    expect(plan.grantedTtlSeconds).toBe(300);
    const issued = await issuer.issue(plan, { ...grant, expiresAt: NOW + 900 }, NOW);
    const call = fake.callsOf('AssumeRole').at(-1)!;
    expect(call.signedBy.region).toBe('eu-west-1');
    const { SourceIdentity, ...rest } = call.params;
    expect(SourceIdentity).toMatch(/^spiffe-prod\.example-agents-report-bot-[0-9a-f]{12}$/);
    expect(rest).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/agent-reports',
      RoleSessionName: 'mandate-g-1',
      DurationSeconds: '900',
      Policy:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::reports/q1/*"]}]}',
      ExternalId: 'mandate-ext-1',
      'Tags.member.1.Key': 'mandate:grant',
      'Tags.member.1.Value': 'g-1',
      'Tags.member.2.Key': 'mandate:task',
      'Tags.member.2.Value': 'T=7E42',
      'Tags.member.3.Key': 'mandate:agent',
      'Tags.member.3.Value': agentHash(grant.agentId),
      'TransitiveTagKeys.member.1': 'mandate:grant',
      'TransitiveTagKeys.member.2': 'mandate:task',
      'TransitiveTagKeys.member.3': 'mandate:agent',
    });
    const session = fake.sessions.get(issued.credentials.AccessKeyId)!;
    expect(issued).toEqual({
      credentials: {
        Version: 1,
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: new Date((NOW + 900) * 1000).toISOString(),
      },
      roleArn: REPORTS.aws!.roleArn,
      sessionName: 'mandate-g-1',
      sourceIdentity: call.params.SourceIdentity,
      durationSeconds: 900,
      expiresAt: NOW + 900,
    });
    // Recorded for the revoker, until the credentials expire (and a margin for AWS's clock).
    expect(await sessions.sessionsOf(grant.agentId, { grantId: 'g-1' }, NOW)).toEqual([
      {
        grantId: 'g-1',
        agentId: grant.agentId,
        taskId: 'T~42',
        roleArn: REPORTS.aws!.roleArn,
        sessionName: 'mandate-g-1',
        issuedAt: NOW,
        expiresAt: NOW + 960,
      },
    ]);
  });

  it('asks for the grant’s own lifetime when it is longer than the floor', async () => {
    const plan = issuer.plan(intent(1800));
    expect(plan.intent.ttlSeconds).toBe(1800);
    const issued = await issuer.issue(plan, { ...grant, expiresAt: NOW + 1800 }, NOW);
    expect(fake.callsOf('AssumeRole').at(-1)!.params.DurationSeconds).toBe('1800');
    expect(issued.expiresAt).toBe(NOW + 1800);
  });

  it.each([
    ['AccessDenied', 'access_denied', 'AWS STS refused the session: AccessDenied', undefined],
    [
      'RegionDisabledException',
      'access_denied',
      'AWS STS refused the session: RegionDisabledException',
      undefined,
    ],
    [
      'Throttling',
      'temporarily_unavailable',
      'AWS STS is unavailable (Throttling); retry later',
      2,
    ],
    ['drop', 'temporarily_unavailable', 'AWS STS did not answer; retry later', 2],
    [
      'PackedPolicyTooLarge',
      'invalid_request',
      'AWS STS refused the session: PackedPolicyTooLargeException (the session policy and tags are too large once packed); ask for fewer scopes or targets',
      undefined,
    ],
  ] as const)(
    'maps STS %s to %s, and forgets the session',
    async (failure, code, message, retryAfter) => {
      fake.fail('AssumeRole', failure);
      const err = await issuer
        .issue(
          issuer.plan(intent(300)),
          { ...grant, jti: `g-${failure}`, expiresAt: NOW + 900 },
          NOW,
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(MandateError);
      expect(err).toMatchObject({ code, message, retryAfter });
      expect(await sessions.sessionsOf(grant.agentId, {}, NOW)).toEqual([]);
    },
  );
});
