import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';

/** The JWT-SVID authorities of one trust domain, as a SPIFFE bundle lists them. */
export interface SpiffeBundle {
  readonly trustDomain: string;
  /** Keys with `use: "jwt-svid"`; any other key in the bundle is ignored. */
  readonly jwtAuthorities: readonly JWK[];
  readonly sequence?: number;
  /** Seconds, as the bundle suggests for its refresh. */
  readonly refreshHint?: number;
}

/**
 * Parses a SPIFFE bundle document (a JWKS with SPIFFE members). Throws on a document that is
 * not a JWKS; keeps only the keys meant for JWT-SVIDs.
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
      typeof (k as JWK).kid === 'string',
  );
  return {
    trustDomain,
    jwtAuthorities,
    ...(typeof doc.spiffe_sequence === 'number' ? { sequence: doc.spiffe_sequence } : {}),
    ...(typeof doc.spiffe_refresh_hint === 'number'
      ? { refreshHint: doc.spiffe_refresh_hint }
      : {}),
  };
}

/** Reads and parses a bundle file. */
export function readSpiffeBundleFile(trustDomain: string, file: string): SpiffeBundle {
  return parseSpiffeBundle(trustDomain, JSON.parse(readFileSync(file, 'utf8')) as unknown);
}
