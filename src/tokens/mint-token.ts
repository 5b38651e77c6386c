import { SignJWT } from 'jose';
import type { GrantRecord } from '../grants/grant-store.js';
import type { KeyRing } from './key-ring.js';

/** The `typ` of minted tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * Signs the access token for a recorded grant. Claims follow RFC 9068 plus the task and tier;
 * `jti` is the grant id, so a token is live exactly while its grant is.
 *
 * @example
 * const token = await mintAccessToken(grant, { issuer, keyRing });
 */
export async function mintAccessToken(
  grant: GrantRecord,
  options: { issuer: string; keyRing: KeyRing },
): Promise<string> {
  const key = options.keyRing.active;
  return new SignJWT({
    client_id: grant.agentId,
    scope: grant.scopes.join(' '),
    task: { id: grant.taskId },
    tier: grant.tier,
    ...(grant.targets.length > 0 ? { targets: [...grant.targets] } : {}),
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(options.issuer)
    .setSubject(grant.agentId)
    .setAudience(grant.audience)
    .setIssuedAt(grant.issuedAt)
    .setNotBefore(grant.issuedAt)
    .setExpirationTime(grant.expiresAt)
    .setJti(grant.jti)
    .sign(key.privateKey);
}
