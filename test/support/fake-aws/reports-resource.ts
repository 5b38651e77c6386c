/** A kind: aws resource as an operator writes it. */
export const REPORTS_RESOURCE = {
  audience: 'aws:reports',
  kind: 'aws',
  sensitivity: 'internal',
  aws: { role_arn: 'arn:aws:iam::123456789012:role/agent-reports' },
  scopes: {
    'reports:read': {
      class: 'read',
      actions: ['s3:GetObject'],
      resources: ['arn:aws:s3:::reports/${target}/*'],
    },
    'reports:list': {
      class: 'read',
      actions: ['s3:ListBucket'],
      resources: ['arn:aws:s3:::reports'],
    },
  },
};
