import { execFile } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { startRedisBroker } from '../e2e/redis-broker.js';
import { BROKER_CREDENTIALS, FakeAws } from '../support/fake-aws/fake-aws.js';
import { REPORTS_RESOURCE } from '../support/fake-aws/reports-resource.js';
import { TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';
import { MANDATE, ROOT, runCli } from './run-cli.js';

/** The environment of a child with no AWS settings of the test's own machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  for (const name of Object.keys(env))
    if (name.startsWith('AWS_') || name.startsWith('MANDATE_')) delete env[name];
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

// An AWS SDK v3 client, in a process of its own, with only an AWS config file whose profile
// runs `mandate aws credential-process`: the SDK's default provider chain finds the command.
const SDK_CLIENT = `
const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
const client = new STSClient({ endpoint: process.env.FAKE_AWS, maxAttempts: 1 });
const who = await client.send(new GetCallerIdentityCommand({}));
const credentials = await client.config.credentials();
process.stdout.write(JSON.stringify({ arn: who.Arn, accessKeyId: credentials.accessKeyId }));
`;

function runSdkClient(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SDK_CLIENT],
      { cwd: ROOT, env },
      (err, stdout, stderr) => done({ code: err ? 1 : 0, stdout, stderr }),
    );
  });
}

describe('mandate aws credential-process', () => {
  let t: TestBroker;
  let fake: FakeAws;
  let redis: Redis;
  let dir: string;
  let svidFile: string;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    fake = await FakeAws.start();
    t = await startRedisBroker(prefix, {
      config: {
        resources: { ...TEST_RESOURCES, reports: REPORTS_RESOURCE },
        aws: { region: 'eu-west-1', endpoint: fake.endpoint },
      },
      deps: { awsCredentials: BROKER_CREDENTIALS },
    });
    dir = mkdtempSync(join(tmpdir(), 'mandate-aws-cli-'));
    // As spiffe-helper writes it: the JWT-SVID alone in a file.
    svidFile = join(dir, 'svid.token');
    writeFileSync(svidFile, `${await t.td.svid({ path: '/agent/triage' })}\n`);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const args = (cacheDir: string) => [
    'aws',
    'credential-process',
    '--broker',
    t.url,
    '--audience',
    'reports',
    '--scope',
    'reports:read',
    '--purpose',
    'summarise Q1 reports',
    '--target',
    '2026-q1',
    '--svid-file',
    svidFile,
    '--cache-dir',
    cacheDir,
  ];

  it('lets an AWS SDK client configured with credential_process load credentials from the broker', async () => {
    const cacheDir = join(dir, 'cache-sdk');
    const quoted = [process.execPath, ...MANDATE, ...args(cacheDir)].map((a) => `"${a}"`).join(' ');
    const configFile = join(dir, 'aws-config');
    writeFileSync(
      configFile,
      `[profile mandate-task]\nregion = eu-west-1\ncredential_process = ${quoted}\n`,
    );
    const env = cleanEnv({
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_PROFILE: 'mandate-task',
      FAKE_AWS: fake.endpoint,
    });
    const assumed = fake.callsOf('AssumeRole').length;
    const first = await runSdkClient(env);
    expect(first).toMatchObject({ code: 0 });
    const seen = JSON.parse(first.stdout) as { arn: string; accessKeyId: string };
    const session = fake.sessions.get(seen.accessKeyId)!;
    // The fake verified GetCallerIdentity's signature with the session's own secret and token.
    expect(seen.arn).toBe(
      `arn:aws:sts::123456789012:assumed-role/agent-reports/${session.sessionName}`,
    );
    expect(fake.callsOf('GetCallerIdentity').at(-1)!.signedBy).toMatchObject({
      accessKeyId: seen.accessKeyId,
      sessionToken: session.sessionToken,
    });
    expect(fake.callsOf('AssumeRole')).toHaveLength(assumed + 1);
    // A second client within the credentials' life reuses the cached ones: no new exchange.
    const second = await runSdkClient(env);
    expect(JSON.parse(second.stdout)).toEqual(seen);
    expect(fake.callsOf('AssumeRole')).toHaveLength(assumed + 1);
    const [cached] = readdirSync(cacheDir);
    expect(statSync(join(cacheDir, cached!)).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('prints the credential_process JSON, says why on stderr when the broker refuses', async () => {
    const run = await runCli([...args(join(dir, 'cache-print')), '--no-cache'], cleanEnv({}));
    expect(run.code).toBe(0);
    expect(Object.keys(JSON.parse(run.stdout) as object)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ]);
    expect(run.stderr).toContain('mandate: AWS sessions last at least 900 s');
    const refused = await runCli(
      [...args(join(dir, 'cache-refused')), '--scope', 'reports:unknown'],
      cleanEnv({}),
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^mandate: the broker refused the exchange \(invalid_scope: /);
  }, 60_000);
});
