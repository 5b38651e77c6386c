import type { Clock } from '../platform/clock.js';
import { checkClaims } from './check-claims.js';
import { checkHeader, type HeaderRules } from './check-header.js';
import type { DecodedJws } from './decode-compact-jws.js';
import type { VerifiedSubject } from './principal.js';
import { parseSpiffeId } from './spiffe-id.js';
import type { SpiffeTrust } from './spiffe-trust.js';
import { refuse } from './subject-refusal.js';
import { verifyJws } from './verify-jws.js';

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
] as const;

/** JWT-SVID section 2: only `alg`, `kid` and `typ`, and `typ` is JWT or JOSE. */
const SVID_HEADER: HeaderRules = {
  allowed: new Set(['alg', 'kid', 'typ']),
  algorithms: SVID_ALGORITHMS,
  typ: ['JWT', 'JOSE'],
};

/** What verifying a JWT-SVID needs. */
export interface VerifySvidOptions {
  readonly trust: SpiffeTrust;
  readonly clock: Clock;
  /** Seconds of clock skew tolerated on `exp` / `nbf` / `iat`. */
  readonly clockTolerance: number;
  /** Furthest `exp` accepted, in seconds from now. */
  readonly maxLifetimeSeconds: number;
}

/**
 * Verifies a decoded JWT-SVID: header allow-list, SPIFFE ID of `sub`, `aud` naming one of the
 * trust domain's audiences, `exp`, then the signature by a key of that trust domain's bundle
 * only (the trust domain comes from `sub`, so one domain's key never vouches for another).
 *
 * @example
 * const principal = await verifySvid(token, decodeCompactJws(token), options);
 */
export async function verifySvid(
  token: string,
  decoded: DecodedJws,
  options: VerifySvidOptions,
): Promise<VerifiedSubject> {
  checkHeader(decoded.header, SVID_HEADER);
  const sub = decoded.payload.sub;
  if (typeof sub !== 'string') throw refuse('missing_claim', 'sub is missing');
  const parsed = parseSpiffeId(sub);
  if (!parsed.ok) throw refuse('invalid_spiffe_id', `sub is not a SPIFFE ID (${parsed.reason})`);
  const domain = options.trust.get(parsed.id.trustDomain);
  if (!domain) throw refuse('untrusted_trust_domain', 'untrusted trust domain');
  const rules = {
    now: Math.floor(options.clock.now() / 1000),
    clockTolerance: options.clockTolerance,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    audiences: domain.audiences,
    required: ['sub', 'aud', 'exp'],
  };
  checkClaims(decoded.payload, rules);
  const payload = await verifyJws(token, decoded, {
    getKey: domain.getKey,
    algorithms: SVID_ALGORITHMS,
  });
  return {
    agentId: parsed.id.uri,
    source: 'spiffe',
    trustDomain: parsed.id.trustDomain,
    path: parsed.id.path,
    claims: payload,
    expiresAt: Math.floor(payload.exp!),
  };
}
