import { json, signEs256 } from '../identity/support/forge.js';
import { expectGranted, expectRefused } from './support/expect-refused.js';
import {
  startSecurityFixture,
  signWithRsa,
  type SecurityFixture,
} from './support/security-fixture.js';

// Attacks on trust: weak keys, keys for something else, identities of someone else.
describe('subject token key and trust attacks', () => {
  let f: SecurityFixture;
  beforeAll(async () => {
    f = await startSecurityFixture();
  });
  afterAll(() => f.close());

  const now = () => Math.floor(Date.now() / 1000);

  it('grants an RS256 token of the OIDC issuer signed with its 2048-bit key (control)', async () => {
    await expectGranted(f.t, signWithRsa(f.oidcRsa, {}, f.oidcClaims()));
  });

  it('refuses a JWT-SVID signed by an RSA key under 2048 bits, even one in its bundle', async () => {
    const claims = f.svidClaims({ sub: 'spiffe://weak.example/agent/a' });
    await expectRefused(
      f.t,
      signWithRsa(f.weak, { typ: 'JWT' }, claims),
      /no trusted key matches kid/,
    );
  });

  it('refuses an OIDC token signed by an RSA key under 2048 bits in its JWKS', async () => {
    await expectRefused(
      f.t,
      signWithRsa(f.oidcWeakRsa, {}, f.oidcClaims()),
      /no trusted key matches kid/,
    );
  });

  it('refuses an OIDC token signed by a JWKS key published with use "enc"', async () => {
    const token = await signEs256(
      f.oidcEnc.privateKey,
      json({ alg: 'ES256', kid: f.oidcEnc.kid }),
      json(f.oidcClaims()),
    );
    await expectRefused(f.t, token, /no trusted key matches kid/);
  });

  it('refuses an algorithm outside the issuer allow-list even with a good key (PS256 over its RSA key)', async () => {
    const { sign, constants } = await import('node:crypto');
    const input = `${Buffer.from(json({ alg: 'PS256', kid: f.oidcRsa.kid })).toString('base64url')}.${Buffer.from(json(f.oidcClaims())).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(input), {
      key: f.oidcRsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    await expectRefused(f.t, `${input}.${sig.toString('base64url')}`, /algorithm not allowed/);
  });

  it('fetches the issuer keys at most once per cooldown, however many unknown kids arrive', async () => {
    const before = f.issuer.hits.get('/jwks') ?? 0;
    for (let i = 0; i < 20; i++) {
      const header = json({ alg: 'ES256', kid: `made-up-${i}` });
      await expectRefused(
        f.t,
        await f.signOidc(header, json(f.oidcClaims())),
        /no trusted key matches kid/,
      );
    }
    expect((f.issuer.hits.get('/jwks') ?? 0) - before).toBeLessThanOrEqual(1);
  });

  describe('SPIFFE ID violations in sub', () => {
    const longPath = `/${'a'.repeat(2048)}`;
    it.each([
      [
        'upper-case scheme',
        'SPIFFE://test.example/agent/triage',
        /SPIFFE ID \(scheme is not spiffe\)/,
      ],
      ['another scheme', 'spiffex://test.example/agent/triage', /untrusted issuer/],
      [
        'upper-case trust domain',
        'spiffe://Test.Example/agent/triage',
        /characters outside \[a-z0-9._-\]/,
      ],
      ['empty trust domain', 'spiffe:///agent/triage', /trust domain is empty/],
      ['a port', 'spiffe://test.example:8443/agent/triage', /characters outside/],
      ['user info', 'spiffe://admin@test.example/agent/triage', /characters outside/],
      [
        'a trailing slash',
        'spiffe://test.example/agent/triage/',
        /empty segment or a trailing slash/,
      ],
      ['an empty segment', 'spiffe://test.example/agent//triage', /empty segment/],
      ['a dot segment', 'spiffe://test.example/agent/./triage', /"\." or "\.\." segment/],
      [
        'a dot-dot segment',
        'spiffe://test.example/other/../agent/triage',
        /"\." or "\.\." segment/,
      ],
      [
        'percent-encoding',
        'spiffe://test.example/agent/tri%61ge',
        /characters outside \[A-Za-z0-9._-\]/,
      ],
      ['a query', 'spiffe://test.example/agent/triage?admin=1', /characters outside/],
      ['a fragment', 'spiffe://test.example/agent/triage#x', /characters outside/],
      ['a space', 'spiffe://test.example/agent/tri age', /characters outside/],
      ['a non-ASCII letter', 'spiffe://test.example/agent/tríage', /characters outside/],
      ['more than 2048 bytes', `spiffe://test.example${longPath}`, /longer than 2048 bytes/],
      [
        'a trust domain over 255 characters',
        `spiffe://${'a'.repeat(256)}/agent`,
        /longer than 255/,
      ],
    ])('refuses %s', async (_name, sub, reason) => {
      await expectRefused(
        f.t,
        await f.signSvid(json({ alg: 'ES256', kid: f.td.kid }), json(f.svidClaims({ sub }))),
        reason,
      );
    });
    it('refuses a SPIFFE ID of a trust domain that is not configured', async () => {
      const sub = 'spiffe://evil.example/agent/triage';
      await expectRefused(
        f.t,
        await f.signSvid(json({ alg: 'ES256', kid: f.td.kid }), json(f.svidClaims({ sub }))),
        /untrusted trust domain/,
      );
    });
  });

  describe('a valid SVID from a trust domain whose bundle does not hold its key', () => {
    it('refuses an SVID of test.example signed by the key of other.example (both trusted)', async () => {
      const token = await f.other.svid({ sub: 'spiffe://test.example/agent/triage' });
      await expectRefused(f.t, token, /no trusted key matches kid/);
    });
    it('refuses an SVID of other.example signed by the key of test.example', async () => {
      const token = await f.td.svid({ sub: 'spiffe://other.example/agent/triage' });
      await expectRefused(f.t, token, /no trusted key matches kid/);
    });
    it('refuses an SVID carrying the right kid but signed by another key', async () => {
      const claims = json(f.svidClaims({ exp: now() + 60 }));
      const token = await signEs256(
        f.other.privateKey,
        json({ alg: 'ES256', kid: f.td.kid }),
        claims,
      );
      await expectRefused(f.t, token, /bad signature/);
    });
    it('grants an SVID of other.example signed by its own key (control)', async () => {
      await expectGranted(f.t, await f.other.svid({ path: '/agent/triage' }));
    });
  });
});
