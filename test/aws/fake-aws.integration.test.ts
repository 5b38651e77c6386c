import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { BROKER_CREDENTIALS, FakeAws } from '../support/fake-aws/fake-aws.js';

// The fake stands for AWS in every AWS test: these prove it refuses what AWS would, through the
// real SDK clients, so a broker test passing against it means the SDK sent a valid request.

let fake: FakeAws;
beforeAll(async () => {
  fake = await FakeAws.start();
});
afterAll(() => fake.close());

const sts = (
  credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  } = BROKER_CREDENTIALS,
) => new STSClient({ region: 'eu-west-1', endpoint: fake.endpoint, credentials, maxAttempts: 1 });
const ROLE = 'arn:aws:iam::123456789012:role/agent-reports';

describe('the fake STS/IAM endpoint', () => {
  it('verifies the SDK’s SigV4 signature and records AssumeRole’s parameters', async () => {
    const out = await sts().send(
      new AssumeRoleCommand({
        RoleArn: ROLE,
        RoleSessionName: 'mandate-g1',
        DurationSeconds: 900,
        Policy: '{"Version":"2012-10-17","Statement":[]}',
        SourceIdentity: 'agent-1',
        Tags: [{ Key: 'mandate:grant', Value: 'g1' }],
        TransitiveTagKeys: ['mandate:grant'],
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const call = fake.callsOf('AssumeRole').at(-1)!;
    expect(call.signedBy).toEqual({
      accessKeyId: BROKER_CREDENTIALS.accessKeyId,
      region: 'eu-west-1',
      service: 'sts',
    });
    expect(call.params).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'mandate-g1',
      DurationSeconds: '900',
      SourceIdentity: 'agent-1',
      'Tags.member.1.Key': 'mandate:grant',
      'Tags.member.1.Value': 'g1',
      'TransitiveTagKeys.member.1': 'mandate:grant',
    });
    // The issued session signs its own calls.
    const who = await sts({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:sts::123456789012:assumed-role/agent-reports/mandate-g1');
  });

  it('refuses a wrong secret, a short duration and a bad session name as AWS does', async () => {
    await expect(
      sts({ ...BROKER_CREDENTIALS, secretAccessKey: 'wrong' }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(
      sts().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x', DurationSeconds: 900 }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      sts().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ok-name', DurationSeconds: 899 }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('fails on demand: AccessDenied, Throttling, a dropped connection', async () => {
    const assume = () =>
      sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ok-name' }));
    fake.fail('AssumeRole', 'AccessDenied');
    await expect(assume()).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    fake.fail('AssumeRole', 'Throttling');
    await expect(assume()).rejects.toMatchObject({ name: 'Throttling' });
    fake.fail('AssumeRole', 'drop');
    await expect(assume()).rejects.toThrow();
    const out = await assume();
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('keeps inline role policies, URL-encoded on the way out, and IAM’s 10,240-character limit', async () => {
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: BROKER_CREDENTIALS,
      maxAttempts: 1,
    });
    const doc =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p', PolicyDocument: doc }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(doc);
    expect(fake.callsOf('PutRolePolicy')[0]!.signedBy.service).toBe('iam');
    const huge = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: '*', Resource: 'x'.repeat(10_300) }],
    });
    await expect(
      iam.send(new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p', PolicyDocument: huge })),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p' }));
    await expect(
      iam.send(new GetRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p' })),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });
});
