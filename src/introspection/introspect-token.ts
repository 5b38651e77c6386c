import type { GrantQueries } from '../grants/grant-queries.js';
import type { OwnTokenClaims, OwnTokenVerifier } from '../revocation/verify-own-token.js';

/** An RFC 7662 introspection answer: the token's claims while it is live, else only `active`. */
export type IntrospectionResponse =
  | { readonly active: false }
  | ({ readonly active: true; readonly token_type: 'Bearer' } & OwnTokenClaims);

/** What {@link TokenIntrospection} needs. */
export interface TokenIntrospectionOptions {
  readonly verifier: Pick<OwnTokenVerifier, 'verify'>;
  readonly store: Pick<GrantQueries, 'getGrant'>;
}

/**
 * RFC 7662 introspection for resource servers: active only when the token is ours (signature,
 * issuer, expiry) and its grant is live in the store (present, of the same task, task active).
 * Store failures propagate (`temporarily_unavailable`): a resource server must never read
 * "unknown" as "active".
 *
 * @example
 * const answer = await new TokenIntrospection({ verifier, store }).introspect(token);
 */
export class TokenIntrospection {
  readonly #o: TokenIntrospectionOptions;
  constructor(options: TokenIntrospectionOptions) {
    this.#o = options;
  }

  /**
   * The answer for `token`; never throws for a bad token, only `{active: false}`. A caller
   * limited to `audiences` learns nothing of another audience's token: it is `active: false`,
   * as an unknown one, before any store read.
   */
  async introspect(
    token: string,
    caller: { readonly audiences?: ReadonlySet<string> } = {},
  ): Promise<IntrospectionResponse> {
    const claims = await this.#o.verifier.verify(token);
    if (!claims) return { active: false };
    if (caller.audiences && !caller.audiences.has(claims.aud)) return { active: false };
    // the grant's holder: `client_id` (on a delegated token `sub` is the original subject)
    const lookup = await this.#o.store.getGrant(claims.client_id, claims.jti);
    if (!lookup?.live || lookup.grant.taskId !== claims.task_id) return { active: false };
    return { active: true, ...claims, token_type: 'Bearer' };
  }
}
