import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** A SPIFFE trust domain made for a test: a key pair, its bundle on disk, an SVID signer. */
export interface TestTrustDomain {
  readonly trustDomain: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The SPIFFE bundle file (JWKS with use "jwt-svid"). */
  readonly bundleFile: string;
  /** Signs a JWT-SVID; claims and header override the valid defaults. */
  svid(options?: SvidOptions): Promise<string>;
}

export interface SvidOptions {
  /** Path part of the SPIFFE ID, default `/agent/test`. */
  readonly path?: string;
  /** Full `sub`, overriding `path`. */
  readonly sub?: string;
  readonly audience?: string | string[];
  /** Seconds from now (may be negative). */
  readonly expiresIn?: number;
  readonly claims?: JWTPayload;
  readonly header?: Record<string, unknown>;
  /** Epoch seconds used as "now". */
  readonly now?: number;
}

/** Creates a trust domain with an ES256 key and writes its bundle to a temp folder. */
export async function createTestTrustDomain(
  trustDomain = 'test.example',
  dir?: string,
): Promise<TestTrustDomain> {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'mandate-td-'));
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const bundleFile = join(folder, `${trustDomain}.bundle.json`);
  writeFileSync(
    bundleFile,
    JSON.stringify({ keys: [{ ...publicJwk, kid, use: 'jwt-svid' }], spiffe_sequence: 1 }),
  );
  return {
    trustDomain,
    kid,
    privateKey,
    publicJwk,
    bundleFile,
    svid: async (options: SvidOptions = {}) => {
      const now = options.now ?? Math.floor(Date.now() / 1000);
      const sub = options.sub ?? `spiffe://${trustDomain}${options.path ?? '/agent/test'}`;
      return new SignJWT({
        sub,
        aud: options.audience ?? 'mandate',
        exp: now + (options.expiresIn ?? 600),
        iat: now,
        ...options.claims,
      })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT', ...options.header })
        .sign(privateKey);
    },
  };
}
