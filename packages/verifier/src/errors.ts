/**
 * Every refusal of the verifier, one class per stable `code`, so callers `switch (err.code)`
 * and the middleware maps them to RFC 6750 answers without parsing messages. Messages name the
 * problem and never carry the token.
 */

/** The error an HTTP answer carries (RFC 6750 section 3.1, plus one for a verifier that cannot tell). */
export type OAuthErrorCode =
  'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

/** Stable codes of {@link VerifierError}s. */
export type VerifierErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TXN_TOKEN_MISSING'
  | 'ERR_REQUEST_MALFORMED'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_TYPE'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_DELEGATION_TOO_DEEP'
  | 'ERR_ACTOR_NOT_ALLOWED'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_REVOCATION_STALE'
  | 'ERR_BROKER_UNAVAILABLE'
  | 'ERR_VERIFIER_CLOSED';

/** Base class of every verifier refusal. */
export abstract class VerifierError extends Error {
  /** Stable code identifying the refusal. */
  abstract readonly code: VerifierErrorCode;
  /** The RFC 6750 error an HTTP answer carries; `undefined` when the request had no token. */
  abstract readonly oauthError: OAuthErrorCode | undefined;
  /** The HTTP status an API should answer with. */
  abstract readonly status: 400 | 401 | 403 | 503;
}

/** Base of refusals where the token itself is unacceptable: 401 `invalid_token`. */
abstract class InvalidToken extends VerifierError {
  readonly oauthError = 'invalid_token' as const;
  readonly status = 401 as const;
}

/** No bearer token came with the request (401 with a bare challenge, RFC 6750 section 3.1). */
export class TokenMissing extends VerifierError {
  override readonly name = 'TokenMissing';
  readonly code = 'ERR_TOKEN_MISSING' as const;
  readonly oauthError = undefined;
  readonly status = 401 as const;
}

/**
 * A route that requires a transaction token got no `Txn-Token` header: 401 `invalid_request`
 * (there is no token to call invalid).
 */
export class TxnTokenMissing extends VerifierError {
  override readonly name = 'TxnTokenMissing';
  readonly code = 'ERR_TXN_TOKEN_MISSING' as const;
  readonly oauthError = 'invalid_request' as const;
  readonly status = 401 as const;
}

/** The `Authorization: Bearer` header is not `Bearer <token>` (400 `invalid_request`). */
export class RequestMalformed extends VerifierError {
  override readonly name = 'RequestMalformed';
  readonly code = 'ERR_REQUEST_MALFORMED' as const;
  readonly oauthError = 'invalid_request' as const;
  readonly status = 400 as const;
}

/** Not a compact JWS, too large, or a required claim is absent or of the wrong shape. */
export class TokenMalformed extends InvalidToken {
  override readonly name = 'TokenMalformed';
  readonly code = 'ERR_TOKEN_MALFORMED' as const;
}

/** Signed with an algorithm outside the allow-list. */
export class TokenAlgorithmNotAllowed extends InvalidToken {
  override readonly name = 'TokenAlgorithmNotAllowed';
  readonly code = 'ERR_TOKEN_ALGORITHM' as const;
}

/** No key of the broker's JWKS verifies the signature. */
export class TokenSignatureInvalid extends InvalidToken {
  override readonly name = 'TokenSignatureInvalid';
  readonly code = 'ERR_TOKEN_SIGNATURE' as const;
}

/**
 * The header `typ` is not the one expected: an ID token or SVID offered as an access token
 * (`at+jwt`), or an access token offered as a transaction token (`txntoken+jwt`).
 */
export class TokenTypeInvalid extends InvalidToken {
  override readonly name = 'TokenTypeInvalid';
  readonly code = 'ERR_TOKEN_TYPE' as const;
}

/** `iss` is not the configured broker. */
export class TokenIssuerInvalid extends InvalidToken {
  override readonly name = 'TokenIssuerInvalid';
  readonly code = 'ERR_TOKEN_ISSUER' as const;
}

/** `aud` does not name this API. */
export class TokenAudienceInvalid extends InvalidToken {
  override readonly name = 'TokenAudienceInvalid';
  readonly code = 'ERR_TOKEN_AUDIENCE' as const;
}

/** `exp` has passed (beyond the clock tolerance). */
export class TokenExpired extends InvalidToken {
  override readonly name = 'TokenExpired';
  readonly code = 'ERR_TOKEN_EXPIRED' as const;
}

/** `nbf` or `iat` lies in the future (beyond the clock tolerance). */
export class TokenNotYetValid extends InvalidToken {
  override readonly name = 'TokenNotYetValid';
  readonly code = 'ERR_TOKEN_NOT_YET_VALID' as const;
}

/** The broker revoked the grant, its task or its agent, or those of a grant in its lineage. */
export class TokenRevoked extends InvalidToken {
  override readonly name = 'TokenRevoked';
  readonly code = 'ERR_TOKEN_REVOKED' as const;
}

/**
 * The token's delegation chain has more acting agents (`act` levels) than `maxDelegationDepth`
 * allows: this API does not accept work handed on that many times.
 */
export class DelegationTooDeep extends InvalidToken {
  override readonly name = 'DelegationTooDeep';
  readonly code = 'ERR_DELEGATION_TOO_DEEP' as const;
}

/** The token's current actor (outermost `act.sub`) matches none of `allowedActors`. */
export class ActorNotAllowed extends InvalidToken {
  override readonly name = 'ActorNotAllowed';
  readonly code = 'ERR_ACTOR_NOT_ALLOWED' as const;
}

/** The token is good but lacks a scope the operation needs: 403 `insufficient_scope`. */
export class InsufficientScope extends VerifierError {
  override readonly name = 'InsufficientScope';
  readonly code = 'ERR_INSUFFICIENT_SCOPE' as const;
  readonly oauthError = 'insufficient_scope' as const;
  readonly status = 403 as const;
  /** Every scope the operation needs (RFC 6750 puts them in the challenge's `scope`). */
  readonly requiredScopes: readonly string[];

  constructor(message: string, requiredScopes: readonly string[]) {
    super(message);
    this.requiredScopes = requiredScopes;
  }
}

/** Base of refusals where the verifier cannot tell whether the token is live: 503. */
abstract class CannotTell extends VerifierError {
  readonly oauthError = 'temporarily_unavailable' as const;
  readonly status = 503 as const;
}

/** The revocation feed has been silent longer than `maxStaleness`: failing closed. */
export class RevocationStale extends CannotTell {
  override readonly name = 'RevocationStale';
  readonly code = 'ERR_REVOCATION_STALE' as const;
}

/** The broker's JWKS or introspection endpoint did not answer usably. */
export class BrokerUnavailable extends CannotTell {
  override readonly name = 'BrokerUnavailable';
  readonly code = 'ERR_BROKER_UNAVAILABLE' as const;
}

/** `verify` was called after `close()`. */
export class VerifierClosed extends CannotTell {
  override readonly name = 'VerifierClosed';
  readonly code = 'ERR_VERIFIER_CLOSED' as const;
}

/** True for any {@link VerifierError}. */
export function isVerifierError(err: unknown): err is VerifierError {
  return err instanceof VerifierError;
}
