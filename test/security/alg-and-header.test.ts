import { createPublicKey } from 'node:crypto';
import { CompactEncrypt, exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import { b64, json, signEs256, signHs256 } from '../identity/support/forge.js';
import { expectGranted, expectRefused } from './support/expect-refused.js';
import {
  startSecurityFixture,
  validOidc,
  type SecurityFixture,
} from './support/security-fixture.js';

// Attacks on the JOSE header: who picks the algorithm, who picks the key.
describe('subject token header attacks', () => {
  let f: SecurityFixture;
  beforeAll(async () => {
    f = await startSecurityFixture();
  });
  afterAll(() => f.close());

  const svidHeader = (o: Record<string, unknown> = {}) =>
    json({ alg: 'ES256', kid: f.td.kid, typ: 'JWT', ...o });
  const oidcHeader = (o: Record<string, unknown> = {}) =>
    json({ alg: 'ES256', kid: f.oidcEs.kid, ...o });

  it('grants a valid JWT-SVID and a valid OIDC token (control)', async () => {
    await expectGranted(f.t, await f.validSvid());
    await expectGranted(f.t, await validOidc(f));
    await expectGranted(f.t, await f.signSvid(svidHeader(), json(f.svidClaims())));
  });

  describe.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s"', (alg) => {
    it('is refused with an empty signature', async () => {
      const token = `${b64(json({ alg, kid: f.td.kid }))}.${b64(json(f.svidClaims()))}.`;
      await expectRefused(f.t, token, /signature is missing/);
    });
    it('is refused carrying a real signature', async () => {
      const token = await f.signSvid(json({ alg, kid: f.td.kid }), json(f.svidClaims()));
      await expectRefused(f.t, token, /algorithm not allowed/);
    });
    it('is refused on an OIDC token', async () => {
      const token = await f.signOidc(json({ alg, kid: f.oidcEs.kid }), json(f.oidcClaims()));
      await expectRefused(f.t, token, /algorithm not allowed/);
    });
  });

  it('refuses HS256 signed with the trust domain public key (key confusion)', async () => {
    const pem = createPublicKey({ key: f.td.publicJwk, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const secret of [pem, json(f.td.publicJwk)]) {
      const token = signHs256(secret, json({ alg: 'HS256', kid: f.td.kid }), json(f.svidClaims()));
      await expectRefused(f.t, token, /algorithm not allowed/);
    }
  });

  it("refuses HS256 signed with the OIDC issuer's RSA public key (key confusion)", async () => {
    const pem = f.oidcRsa.publicKey.export({ type: 'spki', format: 'pem' });
    const token = signHs256(pem, json({ alg: 'HS256', kid: f.oidcRsa.kid }), json(f.oidcClaims()));
    await expectRefused(f.t, token, /algorithm not allowed/);
  });

  it('refuses an unknown kid', async () => {
    await expectRefused(
      f.t,
      await f.signSvid(svidHeader({ kid: 'not-a-key' }), json(f.svidClaims())),
      /no trusted key matches kid/,
    );
    await expectRefused(
      f.t,
      await f.signOidc(oidcHeader({ kid: 'not-a-key' }), json(f.oidcClaims())),
      /no trusted key matches kid/,
    );
  });

  it.each([
    ['path traversal', '../../../../etc/passwd'],
    ['SQL', "' OR '1'='1' --"],
    ['CRLF', 'k1\r\nX-Injected: yes'],
    ['NUL', 'k1\u0000admin'],
  ])('refuses an injected kid (%s)', async (_name, kid) => {
    await expectRefused(
      f.t,
      await f.signSvid(svidHeader({ kid }), json(f.svidClaims())),
      /no trusted key matches kid/,
    );
    await expectRefused(
      f.t,
      await f.signOidc(oidcHeader({ kid }), json(f.oidcClaims())),
      /no trusted key matches kid/,
    );
  });

  it('refuses a huge kid before looking it up', async () => {
    const kid = 'k'.repeat(4000);
    await expectRefused(
      f.t,
      await f.signSvid(svidHeader({ kid }), json(f.svidClaims())),
      /kid is too long/,
    );
  });

  it.each([
    ['numeric', 12345],
    ['null', null],
    ['object', { $ne: '' }],
    ['empty', ''],
  ])('refuses a %s kid', async (_name, kid) => {
    await expectRefused(
      f.t,
      await f.signSvid(svidHeader({ kid }), json(f.svidClaims())),
      /kid is missing or not a string/,
    );
  });

  it('refuses a JWT-SVID without kid', async () => {
    await expectRefused(
      f.t,
      await f.signSvid(json({ alg: 'ES256' }), json(f.svidClaims())),
      /kid is missing/,
    );
  });

  describe('keys carried in the header are never used', () => {
    let attacker: {
      kid: string;
      jwk: Record<string, unknown>;
      sign: (h: string, p: string) => Promise<string>;
    };
    beforeAll(async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      attacker = {
        kid: await calculateJwkThumbprint(jwk),
        jwk: { ...jwk },
        sign: (h, p) => signEs256(privateKey, h, p),
      };
    });

    it.each(['svid', 'oidc'] as const)('refuses an embedded jwk (%s)', async (kind) => {
      const claims = kind === 'svid' ? f.svidClaims() : f.oidcClaims();
      const token = await attacker.sign(
        json({ alg: 'ES256', kid: attacker.kid, jwk: attacker.jwk }),
        json(claims),
      );
      await expectRefused(f.t, token, /header "jwk" is not allowed/);
    });

    it.each(['svid', 'oidc'] as const)(
      'refuses a jku pointing at attacker keys (%s)',
      async (kind) => {
        const claims = kind === 'svid' ? f.svidClaims() : f.oidcClaims();
        const token = await attacker.sign(
          json({ alg: 'ES256', kid: attacker.kid, jku: `${f.issuer.url}/attacker-jwks` }),
          json(claims),
        );
        await expectRefused(f.t, token, /header "jku" is not allowed/);
        expect(f.issuer.hits.get('/attacker-jwks')).toBeUndefined();
      },
    );

    it.each(['svid', 'oidc'] as const)('refuses an x5u (%s)', async (kind) => {
      const claims = kind === 'svid' ? f.svidClaims() : f.oidcClaims();
      const token = await attacker.sign(
        json({ alg: 'ES256', kid: attacker.kid, x5u: `${f.issuer.url}/cert.pem` }),
        json(claims),
      );
      await expectRefused(f.t, token, /header "x5u" is not allowed/);
      expect(f.issuer.hits.get('/cert.pem')).toBeUndefined();
    });

    it.each(['svid', 'oidc'] as const)('refuses an x5c chain (%s)', async (kind) => {
      const claims = kind === 'svid' ? f.svidClaims() : f.oidcClaims();
      const x5c = [Buffer.from('not really a certificate').toString('base64')];
      const token = await attacker.sign(
        json({ alg: 'ES256', kid: attacker.kid, x5c }),
        json(claims),
      );
      await expectRefused(f.t, token, /header "x5c" is not allowed/);
    });
  });

  it('refuses crit, even naming a claim the broker checks', async () => {
    const token = await f.signSvid(svidHeader({ crit: ['exp'], exp: 1 }), json(f.svidClaims()));
    await expectRefused(f.t, token, /header "crit" is not allowed/);
  });

  it('refuses b64: false (unencoded payload)', async () => {
    const header = svidHeader({ b64: false, crit: ['b64'] });
    const token = await f.signSvid(header, json(f.svidClaims()));
    await expectRefused(f.t, token, /header "crit" is not allowed|header "b64" is not allowed/);
  });

  it('refuses a JWE (compact, five segments)', async () => {
    const key = new Uint8Array(32).fill(7);
    const jwe = await new CompactEncrypt(Buffer.from(json(f.svidClaims())))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: f.td.kid })
      .encrypt(key);
    await expectRefused(
      f.t,
      jwe,
      /encrypted tokens \(JWE\) are not accepted/,
      'spiffe://test.example/agent/triage',
    );
  });

  it('refuses a nested JWT announced with cty', async () => {
    const inner = await f.validSvid();
    const token = await f.signSvid(svidHeader({ cty: 'JWT' }), json({ ...f.svidClaims(), inner }));
    await expectRefused(f.t, token, /header "cty" is not allowed/);
  });

  it('refuses a nested JWT carried as the payload', async () => {
    const inner = await f.validSvid();
    const token = await f.signSvid(svidHeader(), inner);
    await expectRefused(f.t, token, /payload is not JSON/, 'spiffe://test.example/agent/triage');
  });

  it('refuses a typ other than JWT or JOSE on a JWT-SVID', async () => {
    const token = await f.signSvid(svidHeader({ typ: 'at+jwt' }), json(f.svidClaims()));
    await expectRefused(f.t, token, /typ is not JWT or JOSE/);
  });

  it('refuses an unknown header member without echoing its name', async () => {
    const token = await f.signSvid(svidHeader({ 'x-evil-member': 1 }), json(f.svidClaims()));
    await expectRefused(f.t, token, /header has a member that is not allowed/);
  });
});
