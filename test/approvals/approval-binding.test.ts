import {
  BOUND_FIELDS,
  differingField,
  type ApprovalSubject,
} from '../../src/approvals/approval.js';

const approved: ApprovalSubject = {
  agentId: 'spiffe://test.example/agent/deploy',
  taskId: 'T-1',
  resource: 'deploy',
  audience: 'https://deploy.example',
  scopes: ['deploy:destroy-env', 'deploy:read'],
  tier: 'destructive',
  sensitivity: 'confidential',
  purpose: 'remove preview env',
  targets: ['preview-42', 'preview-43'],
  requestedTtlSeconds: 30,
  ttlSeconds: 30,
};

describe('an approval binds every field the approver was shown', () => {
  it('accepts the same request, scopes in any order', () => {
    expect(
      differingField(approved, { ...approved, scopes: ['deploy:read', 'deploy:destroy-env'] }),
    ).toBeNull();
  });

  it.each<[string, Partial<ApprovalSubject>]>([
    ['task_id', { taskId: 'T-2' }],
    ['resource', { resource: 'deploy-eu' }],
    ['audience', { audience: 'https://deploy-eu.example' }],
    ['scope', { scopes: ['deploy:destroy-env'] }],
    ['scope', { scopes: ['deploy:destroy-env', 'deploy:read', 'deploy:release'] }],
    ['tier', { tier: 'write' }],
    ['sensitivity', { sensitivity: 'restricted' }],
    ['intent.purpose', { purpose: 'remove production env' }],
    ['intent.targets', { targets: ['production'] }],
    ['intent.targets', { targets: ['preview-42', 'preview-43', 'production'] }],
    ['intent.targets', { targets: ['preview-42'] }],
    ['requested_ttl', { requestedTtlSeconds: 60 }],
  ])('names %s when it differs', (wire, change) => {
    expect(differingField(approved, { ...approved, ...change })).toBe(wire);
  });

  it('names requested_ttl when the repeat leaves out the lifetime it asked for, or adds one', () => {
    const withoutTtl: ApprovalSubject = { ...approved };
    delete (withoutTtl as { requestedTtlSeconds?: number }).requestedTtlSeconds;
    expect(differingField(approved, withoutTtl)).toBe('requested_ttl');
    expect(differingField({ ...withoutTtl, ttlSeconds: 60 }, approved)).toBe('requested_ttl');
  });

  it('covers every field of the subject but the agent (checked first) and the approved lifetime', () => {
    const bound = BOUND_FIELDS.map(([field]) => field as string).sort();
    const shown = Object.keys(approved)
      .filter((k) => k !== 'agentId' && k !== 'ttlSeconds')
      .sort();
    expect(bound).toEqual(shown);
  });
});
