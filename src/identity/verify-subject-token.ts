import type { IdentityCounters } from './identity-counters.js';
import type { Clock } from '../platform/clock.js';
import { sha256Hex } from '../platform/ids.js';
import { checkTimes } from './check-claims.js';
import { decodeCompactJws } from './decode-compact-jws.js';
import type { OidcIssuer } from './oidc-issuer.js';
import type { Principal, VerifiedSubject } from './principal.js';
import type { SpiffeTrust } from './spiffe-trust.js';
import { SubjectRefusal, refuse } from './subject-refusal.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';
import { verifyOidc } from './verify-oidc.js';
import { verifySvid } from './verify-svid.js';

/** RFC 8693 token type URIs the broker accepts as `subject_token_type`. */
export const SUBJECT_TOKEN_TYPES = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
} as const;

/** A JWT-SVID is a JWT; an OIDC token may be labelled as any of the three. */
const OIDC_TYPES: ReadonlySet<string> = new Set(Object.values(SUBJECT_TOKEN_TYPES));

/** Everything subject-token verification needs. */
export interface SubjectVerifierOptions {
  /** The broker's own issuer: its tokens are never accepted as subject tokens. */
  readonly brokerIssuer: string;
  readonly trust: SpiffeTrust;
  /** Trusted OIDC issuers by their exact `iss`. */
  readonly oidcIssuers: ReadonlyMap<string, OidcIssuer>;
  readonly clock: Clock;
  /** Seconds of clock skew tolerated on `exp` / `nbf` / `iat`. */
  readonly clockTolerance: number;
  /** Largest subject token accepted, in bytes; checked before any crypto. */
  readonly maxTokenBytes: number;
  /** Furthest `exp` accepted, in seconds from now. */
  readonly maxLifetimeSeconds: number;
  /** Counts verifications by source and outcome. */
  readonly verifications?: IdentityCounters['subjectVerifications'];
  /** Tokens already verified, emptied when trusted keys change; absent: every use verifies. */
  readonly cache?: VerifiedTokenCache;
}

/** Which verifier a subject token was routed to (`unknown`: refused before routing). */
export const SUBJECT_SOURCES = ['spiffe', 'oidc', 'unknown'] as const;
/** One of {@link SUBJECT_SOURCES}. */
export type SubjectSource = (typeof SUBJECT_SOURCES)[number];

/** Turns a subject token into a verified {@link Principal}, or refuses it. */
export type SubjectVerifier = (token: string, tokenType: string) => Promise<Principal>;

/**
 * Builds the verifier for `subject_token`: size, strict decoding, then the verifier of its
 * kind. An `iss` naming a configured OIDC issuer (exactly) selects OIDC; a `sub` in the
 * `spiffe:` scheme selects JWT-SVID; anything else is an untrusted issuer, refused before any
 * network call or crypto.
 *
 * @example
 * const principal = await verify(token, SUBJECT_TOKEN_TYPES.jwt);
 */
export function createSubjectVerifier(options: SubjectVerifierOptions): SubjectVerifier {
  return async (token, tokenType) => {
    let source: SubjectSource = 'unknown';
    try {
      if (Buffer.byteLength(token, 'utf8') > options.maxTokenBytes)
        throw refuse('too_large', `larger than ${options.maxTokenBytes} bytes`);
      if (!OIDC_TYPES.has(tokenType))
        throw refuse(
          'token_type',
          `subject_token_type ${tokenType.slice(0, 100)} is not accepted; use ${SUBJECT_TOKEN_TYPES.jwt}`,
        );
      const tokenSha256 = sha256Hex(token);
      const generation = options.cache?.generation ?? 0;
      const cached = options.cache?.get(tokenSha256, nowSeconds(options) - options.clockTolerance);
      if (cached) {
        source = cached.source;
        reuse(cached, tokenType, options);
        options.verifications?.inc({ source, outcome: 'verified' });
        return cached;
      }
      const decoded = decodeCompactJws(token);
      const { iss, sub } = decoded.payload;
      if (iss === options.brokerIssuer)
        throw refuse('self_issued', 'tokens issued by this broker are not subject tokens');
      const issuer = typeof iss === 'string' ? options.oidcIssuers.get(iss) : undefined;
      let subject: VerifiedSubject;
      if (issuer) {
        source = 'oidc';
        subject = await verifyOidc(token, decoded, issuer, options);
      } else if (typeof sub === 'string' && /^spiffe:/i.test(sub)) {
        source = 'spiffe';
        if (tokenType !== SUBJECT_TOKEN_TYPES.jwt)
          throw refuse('token_type', `a JWT-SVID is a ${SUBJECT_TOKEN_TYPES.jwt}`);
        subject = await verifySvid(token, decoded, options);
      } else {
        throw refuse('untrusted_issuer', 'untrusted issuer');
      }
      const principal: Principal = { ...subject, tokenSha256 };
      options.cache?.set(principal, generation);
      options.verifications?.inc({ source, outcome: 'verified' });
      return principal;
    } catch (err) {
      options.verifications?.inc({
        source,
        outcome: err instanceof SubjectRefusal ? err.refusal : 'error',
      });
      throw err;
    }
  };
}

function nowSeconds(options: SubjectVerifierOptions): number {
  return Math.floor(options.clock.now() / 1000);
}

/**
 * What a cached verification does not settle: the token type asked for this time, and the
 * time claims, which only hold for a while. The rest (header, issuer, audience, signature,
 * claim conditions) is a fact of the token and of keys that have not changed since.
 */
function reuse(principal: Principal, tokenType: string, options: SubjectVerifierOptions): void {
  if (principal.source === 'spiffe' && tokenType !== SUBJECT_TOKEN_TYPES.jwt)
    throw refuse('token_type', `a JWT-SVID is a ${SUBJECT_TOKEN_TYPES.jwt}`);
  checkTimes(principal.claims, {
    now: nowSeconds(options),
    clockTolerance: options.clockTolerance,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
  });
}
