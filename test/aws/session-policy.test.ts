import { buildSessionPolicy } from '../../src/aws/session-policy.js';
import { MandateError } from '../../src/errors.js';
import type { AwsAccess } from '../../src/intent/aws-access.js';

const ACCESS: AwsAccess = {
  roleArn: 'arn:aws:iam::123456789012:role/agent-reports',
  transitiveTags: true,
  scopes: {
    'reports:read': {
      actions: ['s3:GetObject', 's3:ListBucket'],
      resources: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/${target}/*'],
    },
    'reports:delete': {
      actions: ['s3:DeleteObject'],
      resources: ['arn:aws:s3:::reports/${target}/*'],
    },
    'queue:send': {
      actions: ['sqs:SendMessage'],
      resources: ['arn:aws:sqs:eu-west-1:123456789012:jobs-${aws:PrincipalTag/team}'],
    },
  },
};

function refusal(run: () => unknown): MandateError {
  try {
    run();
  } catch (err) {
    if (err instanceof MandateError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('buildSessionPolicy', () => {
  it('allows exactly the granted scopes’ actions on their ARNs, ${target} expanded per target', () => {
    const policy = buildSessionPolicy(ACCESS, ['reports:read', 'reports:delete'], ['q1', 'q2/eu']);
    const expected = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:ListBucket'],
          Resource: [
            'arn:aws:s3:::reports',
            'arn:aws:s3:::reports/q1/*',
            'arn:aws:s3:::reports/q2/eu/*',
          ],
        },
        {
          Effect: 'Allow',
          Action: ['s3:DeleteObject'],
          Resource: ['arn:aws:s3:::reports/q1/*', 'arn:aws:s3:::reports/q2/eu/*'],
        },
      ],
    };
    expect(policy.document).toEqual(expected);
    expect(policy.json).toBe(JSON.stringify(expected));
  });

  it('leaves out scopes not granted, and keeps IAM policy variables for IAM', () => {
    const policy = buildSessionPolicy(ACCESS, ['queue:send'], []);
    expect(policy.json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["arn:aws:sqs:eu-west-1:123456789012:jobs-${aws:PrincipalTag/team}"]}]}',
    );
  });

  it('refuses ${target} without targets, naming the scope', () => {
    const err = refusal(() => buildSessionPolicy(ACCESS, ['reports:delete'], []));
    expect(err.code).toBe('invalid_request');
    expect(err.message).toBe(
      "scope reports:delete is limited to the intent's targets (${target} in its ARNs); name them in intent.targets",
    );
  });

  it.each(['*', 'q1/*', 'q?', '${aws:username}', 'a b', 'é'])(
    'refuses the target %p, which would widen or break an ARN',
    (target) => {
      const err = refusal(() => buildSessionPolicy(ACCESS, ['reports:read'], [target]));
      expect(err.code).toBe('invalid_request');
      expect(err.message).toContain(`intent target "${target}" cannot go into an AWS ARN`);
    },
  );

  it('refuses a policy over AWS’s 2,048 characters before any call, saying how long it is', () => {
    const targets = Array.from({ length: 32 }, (_, i) => `customer-${String(i).padStart(4, '0')}`);
    const err = refusal(() =>
      buildSessionPolicy(ACCESS, ['reports:read', 'reports:delete'], targets),
    );
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(
      /^the AWS session policy for scope "reports:read reports:delete" and 32 target\(s\) is \d{4} characters; AWS allows 2048/,
    );
    // Just under the limit passes.
    expect(
      buildSessionPolicy(ACCESS, ['reports:read'], targets.slice(0, 20)).json.length,
    ).toBeLessThanOrEqual(2048);
  });
});
