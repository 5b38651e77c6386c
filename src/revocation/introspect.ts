import type { GrantStore } from '../grants/grant-store.js';
import type { OwnTokenClaims, OwnTokenVerifier } from './verify-own-token.js';

/** An RFC 7662 introspection answer: the token's claims while it is live, else only `active`. */
export type IntrospectionResponse =
  | { readonly active: false }
  | ({ readonly active: true; readonly token_type: 'Bearer' } & OwnTokenClaims);

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
