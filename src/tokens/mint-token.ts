import { SignJWT } from 'jose';
import type { ScopeClass } from '../intent/tiers.js';
import type { KeyRing } from './key-ring.js';

/** What a token says: a recorded grant's fields (the grant store's records have this shape). */
export interface TokenClaims {
  /** The grant id. */
  readonly jti: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly tier: ScopeClass;
  readonly targets: readonly string[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

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
  grant: TokenClaims,
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
