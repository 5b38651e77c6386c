import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  calculateJwkThumbprint,
  type JWK,
} from 'jose';

/** Files of the dev trust domain inside its folder. */
const KEY_FILE = 'dev-svid-key.json';
const BUNDLE_FILE = 'dev-bundle.json';
const ALG = 'ES256';

/** The dev trust domain on disk: where its bundle is, for the broker to trust. */
export interface DevTrustDomain {
  readonly trustDomain: string;
  readonly bundleFile: string;
  readonly keyFile: string;
}

/**
 * Creates (once) the dev trust domain's signing key and SPIFFE bundle under `dir`, which is
 * git-ignored. Only dev mode calls this; the key never leaves the folder.
 */
export async function ensureDevTrustDomain(
  dir: string,
  trustDomain: string,
): Promise<DevTrustDomain> {
  const keyFile = join(dir, KEY_FILE);
  const bundleFile = join(dir, BUNDLE_FILE);
  if (!existsSync(keyFile) || !existsSync(bundleFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
    writeFileSync(
      keyFile,
      JSON.stringify({ trust_domain: trustDomain, key: privateJwk }, null, 2),
      { mode: 0o600 },
    );
    const bundle = {
      keys: [{ ...publicJwk, kid, use: 'jwt-svid' }],
      spiffe_sequence: 1,
      spiffe_refresh_hint: 300,
    };
    writeFileSync(bundleFile, JSON.stringify(bundle, null, 2));
  }
  return { trustDomain, bundleFile, keyFile };
}

/** Options of a dev JWT-SVID. */
export interface DevSvidOptions {
  readonly spiffeId: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly now?: number;
}

/**
 * Signs a JWT-SVID with the dev trust domain's key, as a SPIRE agent would for a workload.
 *
 * @example
 * const svid = await issueDevSvid(dev, { spiffeId: 'spiffe://dev.mandate.local/agent/triage', audience: 'mandate', ttlSeconds: 600 });
 */
export async function issueDevSvid(dev: DevTrustDomain, options: DevSvidOptions): Promise<string> {
  const { key } = JSON.parse(readFileSync(dev.keyFile, 'utf8')) as { key: JWK & { kid: string } };
  const privateKey = await importJWK(key, ALG);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(options.spiffeId)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(privateKey);
}
