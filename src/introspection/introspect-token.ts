import type { GrantQueries } from '../grants/grant-queries.js';
import { allGrantsLive } from '../grants/live-grants.js';
import type {
  OwnTokenClaims,
  OwnTokenVerifier,
  OwnTransactionTokenClaims,
} from '../revocation/verify-own-token.js';

/** The claims introspection shows of a live transaction token. */
export type TransactionTokenIntrospection = Pick<
  OwnTransactionTokenClaims,
  'iss' | 'sub' | 'aud' | 'exp' | 'iat' | 'txn' | 'purp' | 'tctx'
>;

/**
 * An RFC 7662 introspection answer: the token's claims while it is live, else only `active`.
 * An access token is `token_type: Bearer`; a transaction token `txn_token`.
 */
export type IntrospectionResponse =
  | { readonly active: false }
  | ({ readonly active: true; readonly token_type: 'Bearer' } & OwnTokenClaims)
  | ({ readonly active: true; readonly token_type: 'txn_token' } & TransactionTokenIntrospection);

/** What {@link TokenIntrospection} needs. */
export interface TokenIntrospectionOptions {
  readonly verifier: Pick<OwnTokenVerifier, 'verify' | 'verifyTransactionToken'>;
  readonly store: Pick<GrantQueries, 'getGrant'>;
}

/** Who asks: a key limited to audiences learns nothing of another audience's tokens. */
interface Caller {
  readonly audiences?: ReadonlySet<string>;
}

/**
 * RFC 7662 introspection for resource servers: active only when the token is ours (signature,
 * issuer, expiry) and its grant is live in the store (present, of the same task, task active);
 * a transaction token, while the grant it is bound to and every grant of its lineage are.
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
  async introspect(token: string, caller: Caller = {}): Promise<IntrospectionResponse> {
    const claims = await this.#o.verifier.verify(token);
    if (!claims) return this.#introspectTransactionToken(token, caller);
    if (caller.audiences && !caller.audiences.has(claims.aud)) return { active: false };
    // the grant's holder: `client_id` (on a delegated token `sub` is the original subject)
    const lookup = await this.#o.store.getGrant(claims.client_id, claims.jti);
    if (!lookup?.live || lookup.grant.taskId !== claims.task_id) return { active: false };
    return { active: true, ...claims, token_type: 'Bearer' };
  }

  /** A transaction token: live while its bound grant and its lineage are. */
  async #introspectTransactionToken(token: string, caller: Caller): Promise<IntrospectionResponse> {
    const claims = await this.#o.verifier.verifyTransactionToken(token);
    if (!claims) return { active: false };
    if (caller.audiences && !caller.audiences.has(claims.aud)) return { active: false };
    const { grant } = claims.tctx;
    const bound = [grant, ...(claims.lineage ?? [])].map((g) => ({
      agentId: g.client_id,
      taskId: g.task,
      jti: g.jti,
    }));
    if (!(await allGrantsLive(this.#o.store, bound))) return { active: false };
    const { iss, sub, aud, exp, iat, txn, purp, tctx } = claims;
    return { active: true, token_type: 'txn_token', iss, sub, aud, exp, iat, txn, purp, tctx };
  }
}
