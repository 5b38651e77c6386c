import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';

/** The JWT-SVID authorities of one trust domain, as a SPIFFE bundle lists them. */
export interface SpiffeBundle {
  readonly trustDomain: string;
  /** Keys with `use: "jwt-svid"` and a `kid`; any other key in the bundle is ignored. */
  readonly jwtAuthorities: readonly JWK[];
  readonly sequence?: number;
  /** Seconds, as the bundle suggests for its refresh. */
  readonly refreshHint?: number;
}

/** RSA keys below this many bits are ignored, as RFC 7518 section 3.3 requires. */
export const MIN_RSA_BITS = 2048;

/**
 * Parses a SPIFFE bundle document (a JWKS with SPIFFE members, per the SPIFFE Trust Domain and
 * Bundle specification). Throws on a document that is not a JWKS; keeps only the keys meant
 * for JWT-SVIDs, with a `kid`, and never an RSA key under 2048 bits.
 *
 * @example
 * const bundle = parseSpiffeBundle('prod.example', JSON.parse(text));
 */
export function parseSpiffeBundle(trustDomain: string, json: unknown): SpiffeBundle {
  if (
    json === null ||
    typeof json !== 'object' ||
    !Array.isArray((json as { keys?: unknown }).keys)
  ) {
    throw new Error(`bundle for ${trustDomain} is not a JWKS document`);
  }
  const doc = json as { keys: unknown[]; spiffe_sequence?: unknown; spiffe_refresh_hint?: unknown };
  const jwtAuthorities = doc.keys.filter(
    (k): k is JWK =>
      k !== null &&
      typeof k === 'object' &&
      (k as JWK).use === 'jwt-svid' &&
      typeof (k as JWK).kid === 'string' &&
      !isWeakRsa(k as JWK),
  );
  return {
    trustDomain,
    jwtAuthorities,
    ...(isCount(doc.spiffe_sequence) ? { sequence: doc.spiffe_sequence } : {}),
    ...(isCount(doc.spiffe_refresh_hint) ? { refreshHint: doc.spiffe_refresh_hint } : {}),
  };
}

/** Reads and parses a bundle file. */
export function readSpiffeBundleFile(trustDomain: string, file: string): SpiffeBundle {
  return parseSpiffeBundle(trustDomain, JSON.parse(readFileSync(file, 'utf8')) as unknown);
}

/** True for an RSA JWK whose modulus is shorter than {@link MIN_RSA_BITS}. */
export function isWeakRsa(jwk: JWK): boolean {
  if (jwk.kty !== 'RSA') return false;
  if (typeof jwk.n !== 'string') return true;
  const n = Buffer.from(jwk.n, 'base64url');
  const first = n.findIndex((b) => b !== 0);
  if (first === -1) return true;
  const bits = (n.length - first - 1) * 8 + n[first]!.toString(2).length;
  return bits < MIN_RSA_BITS;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
