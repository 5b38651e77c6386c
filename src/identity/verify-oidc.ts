import type { Clock } from '../platform/clock.js';
import { renderAgentId } from './agent-id-template.js';
import { readClaim } from './claim-conditions.js';
import { checkClaims } from './check-claims.js';
import { checkHeader } from './check-header.js';
import type { DecodedJws } from './decode-compact-jws.js';
import type { OidcIssuer } from './oidc-issuer.js';
import type { VerifiedSubject } from './principal.js';
import { refuse } from './subject-refusal.js';
import { verifyJws } from './verify-jws.js';

/** Header members real issuers send: Azure AD adds `x5t`; none of them carries a key. */
const OIDC_HEADER_MEMBERS = new Set(['alg', 'kid', 'typ', 'x5t', 'x5t#S256']);
const REQUIRED = ['iss', 'sub', 'aud', 'exp', 'iat'];

/** What verifying an OIDC token needs besides its issuer. */
export interface VerifyOidcOptions {
  readonly clock: Clock;
  readonly clockTolerance: number;
  readonly maxLifetimeSeconds: number;
}

/**
 * Verifies a decoded OIDC token of a configured issuer: header allow-list and the issuer's
 * algorithms, required claims, audience, times, the signature with the issuer's own keys, the
 * issuer's claim conditions, then renders the agent id from the verified claims.
 *
 * @example
 * const principal = await verifyOidc(token, decoded, issuer, { clock, clockTolerance: 30, maxLifetimeSeconds: 86400 });
 */
export async function verifyOidc(
  token: string,
  decoded: DecodedJws,
  issuer: OidcIssuer,
  options: VerifyOidcOptions,
): Promise<VerifiedSubject> {
  const config = issuer.config;
  checkHeader(decoded.header, { allowed: OIDC_HEADER_MEMBERS, algorithms: config.algorithms });
  checkClaims(decoded.payload, {
    now: Math.floor(options.clock.now() / 1000),
    clockTolerance: options.clockTolerance,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    audiences: config.audiences,
    required: REQUIRED,
  });
  const payload = await verifyJws(token, decoded, {
    getKey: issuer.keys.getKey,
    algorithms: config.algorithms,
    issuer: config.issuer,
  });
  for (const condition of config.conditions) {
    if (!condition.test(readClaim(payload, condition.claim)))
      throw refuse(
        'claim_condition_failed',
        `claim ${condition.claim} does not meet the issuer's conditions`,
      );
  }
  return {
    agentId: renderAgentId(config.agentIdTemplate, payload),
    ...(config.personIdTemplate !== undefined
      ? { personId: renderAgentId(config.personIdTemplate, payload) }
      : {}),
    source: 'oidc',
    issuer: config.issuer,
    claims: payload,
    expiresAt: Math.floor(payload.exp!),
  };
}
