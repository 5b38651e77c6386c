import {
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  type CryptoKey,
  type JSONWebKeySet,
} from 'jose';

/** The JWS `typ` of a checkpoint, so no other JWS of the broker's key passes for one. */
export const CHECKPOINT_TYPE = 'mandate-audit-checkpoint+jws';

/** What a checkpoint's signature covers. */
export interface CheckpointClaims {
  readonly instance: string;
  readonly seq: number;
  readonly hash: string;
  readonly iat: number;
}

/**
 * A signer of checkpoints with one key (the broker's active signing key).
 *
 * @example
 * const sign = checkpointSigner(keyRing.active);
 * const jws = await sign({ instance: 'broker-1', seq: 1000, hash, iat });
 */
export function checkpointSigner(key: {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
}): (payload: Record<string, unknown>) => Promise<string> {
  return (payload) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYPE })
      .sign(key.privateKey);
}

/**
 * The claims of a checkpoint whose signature verifies with a key of `jwks`; throws otherwise
 * (wrong key, altered payload, not a checkpoint).
 *
 * @example
 * const claims = await verifyCheckpoint(record.jws, await readJwks(url));
 */
export async function verifyCheckpoint(
  jws: string,
  jwks: JSONWebKeySet,
): Promise<CheckpointClaims> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks));
  if (protectedHeader.typ !== CHECKPOINT_TYPE) throw new Error(`typ is not ${CHECKPOINT_TYPE}`);
  const claims = JSON.parse(new TextDecoder().decode(payload)) as CheckpointClaims;
  if (typeof claims.instance !== 'string' || typeof claims.seq !== 'number')
    throw new Error('not a checkpoint payload');
  return claims;
}
