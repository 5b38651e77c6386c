import type { KeyRing } from './key-ring.js';
import { signJws } from './sign-jws.js';
import type { LineageEntry } from './token-lineage.js';

/** The `typ` of transaction tokens (draft-ietf-oauth-transaction-tokens-10). */
export const TXN_TOKEN_TYP = 'txntoken+jwt';

/** The grant a transaction token is bound to: revoking it, its task or agent revokes the token. */
export interface BoundGrant {
  readonly client_id: string;
  readonly task: string;
  readonly jti: string;
  /** Epoch seconds the access token of the grant was issued. */
  readonly iat: number;
}

/** `tctx`: the task context the transaction token carries between services. */
export interface TransactionContext {
  readonly task: string;
  /** The agent that holds the grant (the current actor). */
  readonly client_id: string;
  /** Space-separated scopes. */
  readonly scope: string;
  readonly tier: string;
  readonly targets: readonly string[];
  /** The original subject first, the current actor last; `[sub]` when not delegated. */
  readonly chain: readonly string[];
  readonly grant: BoundGrant;
}

/** `rctx`: what the broker knew of the request that asked for the token. */
export interface RequestContext {
  readonly req_ip?: string;
}

/** Everything a transaction token says, `iss` aside. */
export interface TransactionTokenClaims {
  /** A unique id of the transaction. */
  readonly txn: string;
  readonly sub: string;
  /** The access token's audience: the trust domain of the services behind that API. */
  readonly aud: string;
  /** The task's purpose. */
  readonly purp: string;
  readonly tctx: TransactionContext;
  readonly lineage?: readonly LineageEntry[];
  readonly rctx?: RequestContext;
  /** Epoch seconds. */
  readonly iat: number;
  /** Epoch seconds. */
  readonly exp: number;
}

/**
 * Signs a transaction token with the broker's active key, as its access tokens are: the same
 * JWKS verifies both, and `typ` tells them apart.
 *
 * @example
 * const token = await mintTransactionToken(claims, { issuer, keyRing });
 */
export function mintTransactionToken(
  claims: TransactionTokenClaims,
  options: { issuer: string; keyRing: KeyRing },
): string {
  return signJws(
    { typ: TXN_TOKEN_TYP },
    {
      txn: claims.txn,
      purp: claims.purp,
      tctx: claims.tctx,
      ...(claims.lineage ? { lineage: claims.lineage } : {}),
      ...(claims.rctx && Object.keys(claims.rctx).length > 0 ? { rctx: claims.rctx } : {}),
      iss: options.issuer,
      sub: claims.sub,
      aud: claims.aud,
      iat: claims.iat,
      exp: claims.exp,
    },
    options.keyRing.active,
  );
}
