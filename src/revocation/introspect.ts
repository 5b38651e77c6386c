import type { GrantStore } from '../grants/grant-store.js';
import type { OwnTokenVerifier } from './verify-own-token.js';

/** An RFC 7662 introspection answer. */
export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly sub: string;
      readonly aud: string;
      readonly scope: string;
      readonly exp: number;
      readonly iat: number;
      readonly jti: string;
      readonly client_id: string;
      readonly task_id: string;
      readonly tier: string;
      readonly iss: string;
      readonly token_type: 'Bearer';
    };

/**
 * RFC 7662 introspection: active only when the token is ours (signature, issuer, expiry) and
 * its grant is live in the store (present, of the same task, task active). Store failures
 * propagate as 503: a resource server must never read "unknown" as "active".
 *
 * @example
 * const answer = await introspectToken(token, { verifier, store });
 */
export async function introspectToken(
  token: string,
  deps: { verifier: OwnTokenVerifier; store: GrantStore },
): Promise<IntrospectionResponse> {
  const claims = await deps.verifier.verify(token);
  if (!claims) return { active: false };
  const lookup = await deps.store.getGrant(claims.sub, claims.jti);
  if (!lookup?.live || lookup.grant.taskId !== claims.task_id) return { active: false };
  return { active: true, ...claims, token_type: 'Bearer' };
}
