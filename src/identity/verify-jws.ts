import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock.js';
import { SubjectRefusal, refuse } from './subject-refusal.js';

/** What jose checks once the shape of the token has passed our own checks. */
export interface JwsVerifyOptions {
  readonly getKey: JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly audiences: readonly string[];
  readonly issuer?: string;
  readonly requiredClaims: readonly string[];
  readonly clock: Clock;
  readonly clockTolerance: number;
}

/**
 * Verifies the signature with a key of the trusted set only (jose, with the algorithm
 * allow-list), and lets jose check the registered claims again. Failures become refusals
 * named by class; the jose message goes to the log, never its claims.
 */
export async function verifyJws(token: string, options: JwsVerifyOptions): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, options.getKey, {
      algorithms: [...options.algorithms],
      audience: [...options.audiences],
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      requiredClaims: [...options.requiredClaims],
      clockTolerance: options.clockTolerance,
      currentDate: new Date(options.clock.now()),
    });
    return payload;
  } catch (err) {
    throw refusalOf(err);
  }
}

/** Maps a jose failure to a refusal that names the problem without echoing the token. */
export function refusalOf(err: unknown): SubjectRefusal {
  if (err instanceof SubjectRefusal) return err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
  if (err instanceof joseErrors.JWTExpired) return refuse('expired', 'expired', detail);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return refuse('wrong_audience', 'wrong audience', detail);
    if (err.claim === 'iss') return refuse('untrusted_issuer', 'untrusted issuer', detail);
    if (err.claim === 'nbf') return refuse('not_yet_valid', 'not yet valid (nbf)', detail);
    return refuse('invalid_claim', `claim ${err.claim} is invalid`, detail);
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return refuse('no_matching_key', 'no trusted key matches kid', detail);
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys)
    return refuse('no_matching_key', 'kid matches more than one trusted key', detail);
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return refuse('algorithm_not_allowed', 'algorithm not allowed', detail);
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return refuse('malformed', 'malformed token', detail);
  // A failed signature, and anything else (an unusable key, an unsupported feature): no token.
  return refuse('bad_signature', 'bad signature', detail);
}
