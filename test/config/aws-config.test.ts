import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { Catalogue } from '../../src/intent/catalogue.js';

const BASE = {
  issuer: 'https://mandate.example',
  policy: { dir: 'policies' },
};

const REPORTS = {
  audience: 'aws:reports',
  kind: 'aws',
  aws: { role_arn: 'arn:aws:iam::123456789012:role/agent-reports', external_id: 'mandate-1' },
  scopes: {
    'reports:read': {
      class: 'read',
      actions: ['s3:GetObject', 's3:ListBucket'],
      resources: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/${target}/*'],
    },
    'reports:delete': {
      class: 'destructive',
      actions: ['s3:DeleteObject'],
      resources: ['arn:aws:s3:::reports/${target}/*'],
    },
  },
};

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, '/etc/mandate/mandate.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('AWS config', () => {
  it('keeps an API resource’s scopes as name: class, and gives a kind: aws resource its statements', () => {
    const config = parseConfig(
      {
        ...BASE,
        resources: {
          tickets: { audience: 'https://tickets.example', scopes: { 'tickets:read': 'read' } },
          reports: REPORTS,
        },
      },
      '/etc/mandate/mandate.yaml',
    );
    expect(config.resources.tickets).toEqual({
      audience: 'https://tickets.example',
      kind: 'api',
      sensitivity: 'internal',
      scopes: { 'tickets:read': 'read' },
    });
    expect(config.aws).toEqual({
      region: 'us-east-1',
      revocation: 'none',
      deny_policy_name: 'mandate-revoked-sessions',
    });
    const reports = Catalogue.fromConfig(config.resources).find('reports');
    expect(reports?.scopes).toEqual({ 'reports:read': 'read', 'reports:delete': 'destructive' });
    expect(reports?.aws).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/agent-reports',
      region: undefined,
      externalId: 'mandate-1',
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
      },
    });
  });

  it('takes the global aws: section: region, endpoint, revocation', () => {
    const config = parseConfig(
      {
        ...BASE,
        resources: { reports: REPORTS },
        aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', revocation: 'deny_policy' },
      },
      '/etc/mandate/mandate.yaml',
    );
    expect(config.aws).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      revocation: 'deny_policy',
      deny_policy_name: 'mandate-revoked-sessions',
    });
  });

  it('stops the start at a malformed role ARN, action or resource ARN, naming its path', () => {
    const bad = {
      ...REPORTS,
      aws: { role_arn: 'arn:aws:iam::12345:role/x' },
      scopes: {
        'reports:read': {
          class: 'read',
          actions: ['GetObject', 's3:Get Object', '*'],
          resources: [
            'arn:aws:s3:::reports/${bucket}/*',
            's3://reports',
            'arn:aws:s3:::a/${target',
          ],
        },
      },
    };
    const found = problems({ ...BASE, resources: { reports: bad } }).join('\n');
    expect(found).toMatch(/^resources\.reports\.aws\.role_arn: role_arn is an IAM role ARN/m);
    expect(found).toMatch(/^resources\.reports\.scopes\.reports:read\.actions\.0: an IAM action/m);
    expect(found).toMatch(/^resources\.reports\.scopes\.reports:read\.actions\.1: an IAM action/m);
    expect(found).toMatch(/^resources\.reports\.scopes\.reports:read\.actions\.2: an IAM action/m);
    expect(found).toMatch(
      /^resources\.reports\.scopes\.reports:read\.resources\.0: \$\{bucket\} is not \$\{target\}/m,
    );
    expect(found).toMatch(
      /^resources\.reports\.scopes\.reports:read\.resources\.1: a resource is an ARN/m,
    );
    expect(found).toMatch(/^resources\.reports\.scopes\.reports:read\.resources\.2: an unclosed/m);
  });

  it('refuses a kind: aws resource without aws:, with a class-only scope, and aws: on an API', () => {
    const noRole = problems({
      ...BASE,
      resources: { reports: { ...REPORTS, aws: undefined } },
    });
    expect(noRole).toContain('resources.reports.aws: a kind: aws resource needs aws.role_arn');
    const classOnly = problems({
      ...BASE,
      resources: { reports: { ...REPORTS, scopes: { 'reports:read': 'read' } } },
    });
    expect(classOnly).toContain(
      'resources.reports.scopes.reports:read: a scope of a kind: aws resource is { class, actions, resources }',
    );
    const onApi = problems({
      ...BASE,
      resources: {
        tickets: {
          audience: 'https://tickets.example',
          aws: REPORTS.aws,
          scopes: { 'tickets:read': REPORTS.scopes['reports:read'] },
        },
      },
    });
    expect(onApi).toEqual([
      'resources.tickets.aws: aws: is for kind: aws resources only',
      'resources.tickets.scopes.tickets:read: actions and resources are for kind: aws resources; name the class only',
    ]);
  });

  it('refuses an unknown revocation mode and a malformed endpoint', () => {
    const found = problems({
      ...BASE,
      resources: { reports: REPORTS },
      aws: { revocation: 'delete_role', endpoint: 'not a url' },
    }).join('\n');
    expect(found).toMatch(/^aws\.revocation: /m);
    expect(found).toMatch(/^aws\.endpoint: /m);
  });
});
