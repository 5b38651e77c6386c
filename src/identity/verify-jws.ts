import { errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { DecodedJws } from './decode-compact-jws.js';
import { SubjectRefusal, refuse } from './subject-refusal.js';
import { signatureValid } from './verify-signature.js';

/** What verifying the signature of an already decoded and checked token needs. */
export interface JwsVerifyOptions {
  /** The authority's key for the header (jose's key sets: `kid`, `alg`, key type, `use`). */
  readonly getKey: JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  /** When set, `iss` must equal it exactly. */
  readonly issuer?: string;
}

/**
 * Verifies the signature of a token decoded once by {@link decodeCompactJws}, whose header and
 * claims the caller has already checked (check-header.ts, check-claims.ts): the key comes from
 * the trusted set only (jose selects it by `kid` and algorithm), the signature is checked with
 * node:crypto over the token's own bytes, and the decoded claims are returned as they are.
 * Failures become refusals named by class; the jose message goes to the log, never its claims.
 */
export async function verifyJws(
  token: string,
  decoded: DecodedJws,
  options: JwsVerifyOptions,
): Promise<JWTPayload> {
  const alg = decoded.header.alg;
  if (typeof alg !== 'string' || !options.algorithms.includes(alg))
    throw refuse('algorithm_not_allowed', 'algorithm not allowed');
  const [protectedHeader, payload, signature] = token.split('.') as [string, string, string];
  let key: unknown;
  try {
    key = await options.getKey(decoded.header as Parameters<JWTVerifyGetKey>[0], {
      protected: protectedHeader,
      payload,
      signature,
    });
  } catch (err) {
    throw refusalOf(err);
  }
  if (!signatureValid(alg, key, `${protectedHeader}.${payload}`, signature))
    throw refuse('bad_signature', 'bad signature');
  if (options.issuer !== undefined && decoded.payload.iss !== options.issuer)
    throw refuse('untrusted_issuer', 'untrusted issuer');
  return decoded.payload;
}

/** Maps a failure to select or import the key to a refusal that names it without the token. */
function refusalOf(err: unknown): SubjectRefusal {
  if (err instanceof SubjectRefusal) return err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return refuse('no_matching_key', 'no trusted key matches kid', detail);
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys)
    return refuse('no_matching_key', 'kid matches more than one trusted key', detail);
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return refuse('algorithm_not_allowed', 'algorithm not allowed', detail);
  // An unusable key or an unsupported feature: no token.
  return refuse('bad_signature', 'bad signature', detail);
}
