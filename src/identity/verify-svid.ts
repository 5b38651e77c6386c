import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { MandateError } from '../errors.js';
import type { Clock } from '../platform/clock.js';
import { sha256Hex } from '../platform/ids.js';
import type { Principal } from './principal.js';
import { parseSpiffeId } from './spiffe-id.js';
import type { SpiffeTrust } from './spiffe-trust.js';

/** Algorithms the JWT-SVID specification allows; everything else (none, HS*) is refused. */
export const SVID_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
];
const ALLOWED_HEADERS = new Set(['alg', 'kid', 'typ']);

/** What verifying a JWT-SVID needs. */
export interface VerifySvidOptions {
  readonly trust: SpiffeTrust;
  readonly clock: Clock;
  /** Seconds of clock skew tolerated on `exp` / `nbf`. */
  readonly clockTolerance: number;
}

/** Refuses a subject token with RFC 8693's `invalid_request`, naming the reason class. */
export function refuseSubject(reason: string, cause?: unknown): MandateError {
  return new MandateError('invalid_request', `subject_token rejected: ${reason}`, { cause });
}

/**
 * Verifies a JWT-SVID: header shape, SPIFFE ID of `sub`, signature by a key of that trust
 * domain's bundle, `aud` naming a configured audience, `exp` in the future.
 *
 * @example
 * const principal = await verifySvid(token, { trust, clock: systemClock, clockTolerance: 30 });
 */
export async function verifySvid(token: string, options: VerifySvidOptions): Promise<Principal> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch (err) {
    throw refuseSubject('malformed token', err);
  }
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADERS.has(name))
      throw refuseSubject(`header "${name}" is not allowed in a JWT-SVID`);
  }
  if (typeof header.alg !== 'string' || !SVID_ALGORITHMS.includes(header.alg)) {
    throw refuseSubject('algorithm not allowed');
  }
  if (header.typ !== undefined && header.typ !== 'JWT' && header.typ !== 'JOSE')
    throw refuseSubject('typ is not JWT or JOSE');
  if (typeof header.kid !== 'string' || header.kid.length === 0)
    throw refuseSubject('kid is missing');
  if (typeof unverified.sub !== 'string') throw refuseSubject('sub is missing');
  const parsed = parseSpiffeId(unverified.sub);
  if (!parsed.ok) throw refuseSubject(`sub is not a SPIFFE ID (${parsed.reason})`);
  const domain = options.trust.get(parsed.id.trustDomain);
  if (!domain) throw refuseSubject('untrusted trust domain');

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, domain.getKey, {
      algorithms: SVID_ALGORITHMS,
      audience: [...domain.audiences],
      clockTolerance: options.clockTolerance,
      currentDate: new Date(options.clock.now()),
      requiredClaims: ['sub', 'aud', 'exp'],
    }));
  } catch (err) {
    throw refuseSubject(reasonOf(err), err);
  }
  return {
    agentId: parsed.id.uri,
    source: 'spiffe',
    trustDomain: parsed.id.trustDomain,
    path: parsed.id.path,
    claims: payload,
    expiresAt: payload.exp!,
    tokenSha256: sha256Hex(token),
  };
}

/** Maps a jose failure to a reason class that names the problem without echoing the token. */
export function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'nbf') return 'not yet valid';
    if (err.claim === 'iat') return 'issued in the future';
    if (err.claim === 'iss') return 'wrong issuer';
    return `claim ${err.claim} invalid (${err.reason})`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no trusted key matches kid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JOSENotSupported) return 'unsupported token feature';
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return 'malformed token';
  return 'verification failed';
}
