import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import {
  BrokerUnavailable,
  TokenAlgorithmNotAllowed,
  TokenAudienceInvalid,
  TokenExpired,
  TokenIssuerInvalid,
  TokenMalformed,
  TokenNotYetValid,
  TokenSignatureInvalid,
  TokenTypeInvalid,
  type VerifierError,
} from './errors.js';

/** A token the verifier accepted, with its claims in the shapes an API uses. */
export interface VerifiedToken {
  /** `sub`: the agent the broker issued the token to. */
  readonly agentId: string;
  /** `task.id`: the task the token is good for. */
  readonly taskId: string;
  /** `jti`: the grant id, what an operator revokes. */
  readonly grantId: string;
  /** `scope`, split. */
  readonly scopes: readonly string[];
  /** Risk tier of the grant (`read`, `write`, `destructive`). */
  readonly tier: string;
  /** Targets named by the agent's intent (empty when it named none). */
  readonly targets: readonly string[];
  readonly clientId: string | undefined;
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Every claim as signed. */
  readonly claims: JWTPayload;
}

/** What {@link checkAccessToken} checks against. */
export interface TokenCheck {
  readonly keys: JWTVerifyGetKey;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. */
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
  readonly now: Date;
}

/** The `typ` of broker access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'];

/**
 * Checks signature, header and registered claims of a broker access token with jose, and the
 * shape of Mandate's own claims. Says nothing about revocation or scopes.
 */
export async function checkAccessToken(token: string, check: TokenCheck): Promise<VerifiedToken> {
  if (token.length > check.maxTokenBytes)
    throw new TokenMalformed(`the token is longer than ${check.maxTokenBytes} bytes`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, check.keys, {
      issuer: check.issuer,
      audience: [...(typeof check.audience === 'string' ? [check.audience] : check.audience)],
      typ: ACCESS_TOKEN_TYP,
      algorithms: [...check.algorithms],
      clockTolerance: check.clockTolerance,
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: check.now,
    }));
  } catch (err) {
    throw fromJose(err);
  }
  return readClaims(payload, check);
}

function readClaims(payload: JWTPayload, check: TokenCheck): VerifiedToken {
  const { scope, task, tier, targets, client_id: clientId } = payload;
  if (typeof scope !== 'string') throw new TokenMalformed('the token has no "scope" claim');
  const taskId = (task as { id?: unknown } | undefined)?.id;
  if (typeof taskId !== 'string' || taskId === '')
    throw new TokenMalformed('the token has no "task.id" claim');
  if (typeof tier !== 'string') throw new TokenMalformed('the token has no "tier" claim');
  if (targets !== undefined && !isStringArray(targets))
    throw new TokenMalformed('the "targets" claim is not a list of strings');
  if (clientId !== undefined && typeof clientId !== 'string')
    throw new TokenMalformed('the "client_id" claim is not a string');
  // jose does not look at `iat` without maxTokenAge; a token from the future is not yet valid.
  const nowSeconds = Math.floor(check.now.getTime() / 1000);
  if (payload.iat! > nowSeconds + check.clockTolerance)
    throw new TokenNotYetValid('the token was issued in the future');
  return {
    agentId: payload.sub!,
    taskId,
    grantId: payload.jti!,
    scopes: scope.split(' ').filter((s) => s !== ''),
    tier,
    targets: targets ?? [],
    clientId,
    issuedAt: payload.iat!,
    expiresAt: payload.exp!,
    claims: payload,
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Maps jose's errors to the verifier's codes; anything unknown means the broker is unusable. */
function fromJose(err: unknown): VerifierError {
  if (err instanceof errors.JWTExpired) return new TokenExpired('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return new TokenIssuerInvalid('the token was not issued by the expected broker');
      case 'aud':
        return new TokenAudienceInvalid('the token is not meant for this API');
      case 'typ':
        return new TokenTypeInvalid(`the token is not of type ${ACCESS_TOKEN_TYP}`);
      case 'nbf':
      case 'iat':
        return err.reason === 'missing'
          ? new TokenMalformed(`the token has no "${err.claim}" claim`)
          : new TokenNotYetValid('the token is not valid yet');
      default:
        return new TokenMalformed(`the "${err.claim}" claim is missing or invalid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new TokenAlgorithmNotAllowed('the token is signed with an algorithm not allowed');
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys
  )
    return new TokenSignatureInvalid('no key of the broker verifies the token');
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  )
    return new TokenMalformed('the token is not a valid signed JWT');
  return new BrokerUnavailable('the broker key set could not be fetched', { cause: err });
}
