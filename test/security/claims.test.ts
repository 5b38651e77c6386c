import { SignJWT } from 'jose';
import { json } from '../identity/support/forge.js';
import { expectRefused } from './support/expect-refused.js';
import { AGENT, startSecurityFixture, type SecurityFixture } from './support/security-fixture.js';

// Attacks on the claims: lifetime, audience, issuer, and whose token it is.
describe('subject token claim attacks', () => {
  let f: SecurityFixture;
  beforeAll(async () => {
    f = await startSecurityFixture();
  });
  afterAll(() => f.close());

  const now = () => Math.floor(Date.now() / 1000);
  const svidHeader = () => json({ alg: 'ES256', kid: f.td.kid, typ: 'JWT' });
  const oidcHeader = () => json({ alg: 'ES256', kid: f.oidcEs.kid });
  const svid = (claims: Record<string, unknown>) => f.signSvid(svidHeader(), json(claims));
  const oidc = (claims: Record<string, unknown>) => f.signOidc(oidcHeader(), json(claims));
  const without = (claims: Record<string, unknown>, name: string) => {
    const copy = { ...claims };
    delete copy[name];
    return copy;
  };

  describe('exp', () => {
    it('refuses a missing exp', async () => {
      await expectRefused(f.t, await svid(without(f.svidClaims(), 'exp')), /exp is missing/);
      await expectRefused(f.t, await oidc(without(f.oidcClaims(), 'exp')), /exp is missing/);
    });
    it('refuses a past exp (beyond the clock tolerance)', async () => {
      await expectRefused(f.t, await svid(f.svidClaims({ exp: now() - 31 })), /expired/);
      await expectRefused(f.t, await oidc(f.oidcClaims({ exp: now() - 3600 })), /expired/);
    });
    it('refuses a string exp', async () => {
      await expectRefused(
        f.t,
        await svid(f.svidClaims({ exp: String(now() + 300) })),
        /exp is not a NumericDate/,
      );
    });
    it.each([
      ['ten years away', () => now() + 10 * 365 * 86400],
      ['MAX_SAFE_INTEGER', () => Number.MAX_SAFE_INTEGER],
      ['1e308', () => 1e308],
    ])('refuses a huge exp (%s)', async (_name, exp) => {
      await expectRefused(
        f.t,
        await svid(f.svidClaims({ exp: exp() })),
        /exp is more than \d+s away/,
      );
      await expectRefused(
        f.t,
        await oidc(f.oidcClaims({ exp: exp() })),
        /exp is more than \d+s away/,
      );
    });
    it('refuses a negative or non-finite exp', async () => {
      await expectRefused(f.t, await svid(f.svidClaims({ exp: -1 })), /exp is not a NumericDate/);
      // JSON has no Infinity: a literal too big for a double parses to it.
      const text = json(f.svidClaims()).replace(/"exp":\d+/, '"exp":1e999');
      await expectRefused(f.t, await f.signSvid(svidHeader(), text), /exp is not a NumericDate/);
    });
  });

  it('refuses a future nbf', async () => {
    await expectRefused(f.t, await svid(f.svidClaims({ nbf: now() + 300 })), /not yet valid/);
    await expectRefused(f.t, await oidc(f.oidcClaims({ nbf: now() + 300 })), /not yet valid/);
  });

  it('refuses a future iat', async () => {
    await expectRefused(
      f.t,
      await svid(f.svidClaims({ iat: now() + 300 })),
      /issued in the future/,
    );
    await expectRefused(
      f.t,
      await oidc(f.oidcClaims({ iat: now() + 300 })),
      /issued in the future/,
    );
  });

  it('refuses an OIDC token without iat', async () => {
    await expectRefused(f.t, await oidc(without(f.oidcClaims(), 'iat')), /iat is missing/);
  });

  describe('aud', () => {
    it('refuses a missing aud', async () => {
      await expectRefused(f.t, await svid(without(f.svidClaims(), 'aud')), /aud is missing/);
      await expectRefused(f.t, await oidc(without(f.oidcClaims(), 'aud')), /aud is missing/);
    });
    it('refuses an empty aud', async () => {
      await expectRefused(f.t, await svid(f.svidClaims({ aud: '' })), /aud is empty/);
      await expectRefused(f.t, await svid(f.svidClaims({ aud: [] })), /aud is empty/);
      await expectRefused(f.t, await oidc(f.oidcClaims({ aud: [''] })), /aud is empty/);
    });
    it('refuses a wrong aud', async () => {
      await expectRefused(
        f.t,
        await svid(f.svidClaims({ aud: 'https://other-service.example' })),
        /wrong audience/,
      );
      await expectRefused(f.t, await oidc(f.oidcClaims({ aud: 'MANDATE' })), /wrong audience/);
    });
    it('refuses a multi-valued aud, even one naming the broker', async () => {
      // A token for several audiences is also valid at the others, which could replay it here.
      await expectRefused(
        f.t,
        await svid(f.svidClaims({ aud: ['mandate', 'https://other.example'] })),
        /aud names more than one audience/,
      );
      await expectRefused(
        f.t,
        await oidc(f.oidcClaims({ aud: ['mandate', 'mandate'] })),
        /aud names more than one audience/,
      );
    });
    it('refuses a non-string aud', async () => {
      await expectRefused(
        f.t,
        await svid(f.svidClaims({ aud: 42 })),
        /aud is empty or not a string/,
      );
    });
  });

  describe('iss', () => {
    it('refuses an issuer spelled in another case', async () => {
      const upper = f.issuer.url.replace('https://', 'HTTPS://');
      await expectRefused(
        f.t,
        await oidc(f.oidcClaims({ iss: upper })),
        /untrusted issuer/,
        `${upper}#ci-job-7`,
      );
    });
    it('refuses an issuer with a trailing slash', async () => {
      const slash = `${f.issuer.url}/`;
      await expectRefused(f.t, await oidc(f.oidcClaims({ iss: slash })), /untrusted issuer/);
    });
    it('refuses an unconfigured issuer before any network call', async () => {
      const before = f.issuer.hits.get('/evil/.well-known/openid-configuration');
      await expectRefused(
        f.t,
        await oidc(f.oidcClaims({ iss: `${f.issuer.url}/evil` })),
        /untrusted issuer/,
      );
      expect(f.issuer.hits.get('/evil/.well-known/openid-configuration')).toBe(before);
    });
    it('refuses a missing or non-string iss on a non-SPIFFE token', async () => {
      await expectRefused(f.t, await oidc(without(f.oidcClaims(), 'iss')), /untrusted issuer/);
      await expectRefused(f.t, await oidc(f.oidcClaims({ iss: ['x'] })), /untrusted issuer/);
    });
  });

  it('refuses a token issued by this broker as a subject token', async () => {
    const granted = await f.t.exchange({ subject_token: await f.validSvid() });
    expect(granted.status).toBe(200);
    const own = granted.body.access_token as string;
    await expectRefused(f.t, own, /tokens issued by this broker are not subject tokens/, AGENT);
  });

  it("refuses a token naming the broker's issuer even when signed by a trusted key", async () => {
    await expectRefused(
      f.t,
      await svid(f.svidClaims({ iss: 'http://mandate.test' })),
      /issued by this broker/,
    );
  });

  it('refuses a subject token over 8 KiB before any crypto', async () => {
    const token = await new SignJWT(f.svidClaims({ pad: 'x'.repeat(9000) }))
      .setProtectedHeader({ alg: 'ES256', kid: f.td.kid })
      .sign(f.td.privateKey);
    // Read as numbers: prom-client hands out its live series objects, which change under us.
    const count = async () =>
      (await f.t.broker.metrics.subjectVerifications.get()).values.find(
        (v) => v.labels.outcome === 'too_large' && v.labels.source === 'unknown',
      )?.value ?? 0;
    const before = await count();
    await expectRefused(f.t, token, /larger than 8192 bytes/);
    // once as a subject token, once as a jwt-bearer assertion: both refused before any crypto
    expect(await count()).toBe(before + 2);
  });

  it('refuses a subject_token_type that is not a JWT type', async () => {
    const res = await f.t.exchange({
      subject_token: await f.validSvid(),
      subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(/subject_token_type .* is not accepted/);
  });
});
