import type { LineageEntry } from './delegation-claims.js';
import { TokenRevoked } from './errors.js';
import type { RevocationList } from './revocation-list.js';

const ANCESTOR_REVOKED = {
  grant: 'a grant earlier in its delegation chain was revoked',
  task: 'the task of a grant earlier in its delegation chain was revoked',
  agent: 'the agent of a grant earlier in its delegation chain was revoked',
  epoch: 'a grant earlier in its delegation chain was issued before the broker lost its state',
} as const;

/**
 * Refuses a token whose own grant is revoked, or any of whose ancestor grants (`lineage`) would
 * be revoked as a token of that agent, task, grant id and issue time: revoking A's task kills
 * the tokens delegated from it to B and C, with no call to the broker.
 */
export function throwIfRevoked(
  list: RevocationList,
  grant: LineageEntry,
  lineage: readonly LineageEntry[],
): void {
  const kind = list.revokedBy(identity(grant));
  if (kind === 'epoch')
    throw new TokenRevoked('the token was issued before the broker lost its stored state');
  if (kind) throw new TokenRevoked(`the token's ${kind} was revoked`);
  for (const ancestor of lineage) {
    const revoked = list.revokedBy(identity(ancestor));
    if (revoked) throw new TokenRevoked(ANCESTOR_REVOKED[revoked]);
  }
}

function identity(grant: LineageEntry) {
  return { jti: grant.grantId, sub: grant.agentId, taskId: grant.taskId, iat: grant.issuedAt };
}
