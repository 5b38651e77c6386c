import { generateKeyPairSync, type KeyObject } from 'node:crypto';
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
} from 'jose';
import { startTestBroker, type TestBroker } from '../../support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../../support/trust-domain.js';
import {
  startStaticHttpsServer,
  type StaticHttpsServer,
} from '../../identity/support/static-https-server.js';
import { json, signEs256, signRs256 } from '../../identity/support/forge.js';

/** Any agent may read unrestricted data: every refusal below is then identity's doing. */
export const ALLOW_READ = `@id("allow-read")
permit (principal, action in Action::"read", resource)
when { resource.sensitivity != "restricted" };
`;

/** The agent path valid SVIDs of the fixture name. */
export const AGENT = 'spiffe://test.example/agent/triage';

interface EsKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

interface RsaKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
}

/** A running broker trusting three SPIFFE domains and one OIDC issuer, with their keys. */
export interface SecurityFixture {
  readonly t: TestBroker;
  /** test.example: its bundle holds `td.kid`. */
  readonly td: TestTrustDomain;
  /** other.example: a second trusted domain with its own key. */
  readonly other: TestTrustDomain;
  /** weak.example: its bundle holds only a 1024-bit RSA key. */
  readonly weak: RsaKey;
  /** The OIDC issuer: HTTPS on loopback, its JWKS holding `es`, `rsa`, `weakRsa` and `enc`. */
  readonly issuer: StaticHttpsServer;
  readonly oidcEs: EsKey;
  readonly oidcRsa: RsaKey;
  readonly oidcWeakRsa: RsaKey;
  /** An ES256 key the issuer publishes with `use: "enc"`. */
  readonly oidcEnc: EsKey;
  /** Valid JWT-SVID claims for {@link AGENT}, overridable. */
  svidClaims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Valid OIDC claims of the fixture issuer, overridable. */
  oidcClaims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Signs JSON texts (taken as written) with test.example's key. */
  signSvid(headerText: string, payloadText: string): Promise<string>;
  /** Signs JSON texts with the issuer's ES256 key. */
  signOidc(headerText: string, payloadText: string): Promise<string>;
  /** A valid JWT-SVID, signed by the broker's own path (jose). */
  validSvid(): Promise<string>;
  close(): Promise<void>;
}

async function esKey(): Promise<EsKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid: await calculateJwkThumbprint(jwk), privateKey, jwk };
}

async function rsaKey(bits: number): Promise<RsaKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  return { kid: await calculateJwkThumbprint(jwk), privateKey, publicKey, jwk };
}

/** Starts the fixture: trust domains on disk, the issuer on loopback, the broker. */
export async function startSecurityFixture(): Promise<SecurityFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-sec-'));
  const td = await createTestTrustDomain('test.example', dir);
  const other = await createTestTrustDomain('other.example', dir);
  const weak = await rsaKey(1024);
  const weakBundle = join(dir, 'weak.example.bundle.json');
  writeFileSync(
    weakBundle,
    json({ keys: [{ ...weak.jwk, kid: weak.kid, use: 'jwt-svid', alg: 'RS256' }] }),
  );

  const issuer = await startStaticHttpsServer();
  const [oidcEs, oidcRsa, oidcWeakRsa, oidcEnc] = await Promise.all([
    esKey(),
    rsaKey(2048),
    rsaKey(1024),
    esKey(),
  ]);
  issuer.documents.set('/.well-known/openid-configuration', {
    issuer: issuer.url,
    jwks_uri: `${issuer.url}/jwks`,
  });
  issuer.documents.set('/jwks', {
    keys: [
      { ...oidcEs.jwk, kid: oidcEs.kid, use: 'sig', alg: 'ES256' },
      { ...oidcRsa.jwk, kid: oidcRsa.kid, use: 'sig', alg: 'RS256' },
      { ...oidcWeakRsa.jwk, kid: oidcWeakRsa.kid, use: 'sig', alg: 'RS256' },
      { ...oidcEnc.jwk, kid: oidcEnc.kid, use: 'enc', alg: 'ES256' },
    ],
  });

  const bundle = (trust_domain: string, bundle_file: string) => ({
    trust_domain,
    bundle_file,
    audiences: ['mandate'],
  });
  const t = await startTestBroker({
    policies: { 'allow-read.cedar': ALLOW_READ },
    config: {
      trust: {
        spiffe: [
          bundle(td.trustDomain, td.bundleFile),
          bundle(other.trustDomain, other.bundleFile),
          bundle('weak.example', weakBundle),
        ],
        oidc: [{ issuer: issuer.url, ca_file: issuer.caFile, audiences: ['mandate'] }],
      },
    },
  });
  const now = () => Math.floor(Date.now() / 1000);
  return {
    t,
    td,
    other,
    weak,
    issuer,
    oidcEs,
    oidcRsa,
    oidcWeakRsa,
    oidcEnc,
    svidClaims: (o = {}) => ({ sub: AGENT, aud: 'mandate', exp: now() + 300, iat: now(), ...o }),
    oidcClaims: (o = {}) => ({
      iss: issuer.url,
      sub: 'ci-job-7',
      aud: 'mandate',
      exp: now() + 300,
      iat: now(),
      ...o,
    }),
    signSvid: (h, p) => signEs256(td.privateKey, h, p),
    signOidc: (h, p) => signEs256(oidcEs.privateKey, h, p),
    validSvid: () => td.svid({ path: '/agent/triage' }),
    close: async () => {
      await t.close();
      await issuer.close();
    },
  };
}

/** Signs an RS256 token with any RSA key (jose refuses to sign with a short one). */
export function signWithRsa(key: RsaKey, header: object, payload: object): string {
  return signRs256(key.privateKey, json({ alg: 'RS256', kid: key.kid, ...header }), json(payload));
}

/** A valid OIDC token of the fixture issuer, signed by jose. */
export async function validOidc(f: SecurityFixture): Promise<string> {
  return new SignJWT(f.oidcClaims())
    .setProtectedHeader({ alg: 'ES256', kid: f.oidcEs.kid, typ: 'JWT' })
    .sign(f.oidcEs.privateKey);
}
