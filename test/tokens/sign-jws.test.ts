import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { KeyRing, type SigningAlgorithm } from '../../src/tokens/key-ring.js';
import { signJws } from '../../src/tokens/sign-jws.js';

// The broker signs with node:crypto; jose, verifying against the published JWKS as a resource
// server would, is the independent check.
describe('signJws', () => {
  it.each<SigningAlgorithm>(['ES256', 'ES384', 'EdDSA'])(
    'signs a %s token that jose verifies with the published JWKS',
    async (alg) => {
      const ring = await KeyRing.ephemeral(alg);
      const token = signJws(
        { typ: 'at+jwt' },
        { iss: 'https://mandate.test', sub: 'spiffe://td/a', aud: 'api', exp: 4_000_000_000 },
        ring.active,
      );
      expect(decodeProtectedHeader(token)).toEqual({ alg, kid: ring.active.kid, typ: 'at+jwt' });
      const { payload } = await jwtVerify(token, createLocalJWKSet(ring.jwks()), {
        issuer: 'https://mandate.test',
        audience: 'api',
        typ: 'at+jwt',
      });
      expect(payload.sub).toBe('spiffe://td/a');
    },
  );

  it('makes a token another key of the same kind does not verify', async () => {
    const [ring, other] = await Promise.all([
      KeyRing.ephemeral('ES256'),
      KeyRing.ephemeral('ES256'),
    ]);
    const token = signJws({}, { sub: 'a' }, ring.active);
    const foreign = { keys: other.jwks().keys.map((k) => ({ ...k, kid: ring.active.kid })) };
    await expect(jwtVerify(token, createLocalJWKSet(foreign))).rejects.toThrow(/signature/);
  });
});
