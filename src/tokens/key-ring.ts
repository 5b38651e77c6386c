import { readFileSync } from 'node:fs';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import { KeyObject, createPublicKey } from 'node:crypto';

/** Algorithms the broker signs its own tokens with (RS256 would halve throughput). */
export type SigningAlgorithm = 'ES256' | 'ES384' | 'EdDSA';

/** A key the broker signs with. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  /** The same private key for node:crypto, which signs the hot path's tokens (sign-jws.ts). */
  readonly keyObject: KeyObject;
  readonly publicJwk: JWK;
}

/**
 * The broker's signing keys: the first signs, all are published in the JWKS so tokens signed
 * by a key being rotated out stay verifiable until they expire.
 */
export class KeyRing {
  readonly keys: readonly SigningKey[];
  readonly #jwks: { keys: JWK[] };

  constructor(keys: readonly SigningKey[]) {
    if (keys.length === 0) throw new Error('a key ring needs at least one key');
    this.keys = keys;
    this.#jwks = { keys: keys.map((k) => k.publicJwk) };
  }

  /** The key new tokens are signed with. */
  get active(): SigningKey {
    return this.keys[0]!;
  }

  /** The public JWK Set, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return this.#jwks;
  }

  /** Loads PKCS#8 PEM private keys; `kid` defaults to the RFC 7638 thumbprint. */
  static async fromFiles(
    files: readonly { file: string; kid?: string | undefined }[],
    alg: SigningAlgorithm,
  ): Promise<KeyRing> {
    const keys = await Promise.all(
      files.map(async ({ file, kid }) => {
        const pem = readFileSync(file, 'utf8');
        const privateKey = await importPKCS8(pem, alg);
        const publicJwk = await exportJWK(createPublicKey(pem));
        return toSigningKey(privateKey, publicJwk, alg, kid);
      }),
    );
    return new KeyRing(keys);
  }

  /** A fresh key that lives only as long as the process: dev mode and tests. */
  static async ephemeral(alg: SigningAlgorithm): Promise<KeyRing> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return new KeyRing([await toSigningKey(privateKey, await exportJWK(publicKey), alg)]);
  }
}

async function toSigningKey(
  privateKey: CryptoKey,
  jwk: JWK,
  alg: SigningAlgorithm,
  kid?: string,
): Promise<SigningKey> {
  // Only the public members: exportJWK of a public key gives these and nothing private.
  const { kty, crv, x, y } = jwk;
  const publicJwk: JWK = {
    ...(kty !== undefined ? { kty } : {}),
    ...(crv !== undefined ? { crv } : {}),
    ...(x !== undefined ? { x } : {}),
    ...(y !== undefined ? { y } : {}),
  };
  const id = kid ?? (await calculateJwkThumbprint(publicJwk));
  return {
    kid: id,
    alg,
    privateKey,
    keyObject: KeyObject.from(privateKey),
    publicJwk: { ...publicJwk, kid: id, alg, use: 'sig' },
  };
}
