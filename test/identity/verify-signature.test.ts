import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { CompactSign, generateKeyPair } from 'jose';
import { signatureValid } from '../../src/identity/verify-signature.js';

// Every algorithm a subject token may use, signed by jose (an independent signer) and checked
// by the node:crypto verifier the exchange uses; then each way a key or signature must fail.
const ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

async function signed(alg: string) {
  const keys = await generateKeyPair(alg, { extractable: true });
  const jws = await new CompactSign(new TextEncoder().encode('{"sub":"spiffe://td/a"}'))
    .setProtectedHeader({ alg })
    .sign(keys.privateKey);
  const [h, p, s] = jws.split('.') as [string, string, string];
  return { keys, input: `${h}.${p}`, signature: s };
}

describe('signatureValid', () => {
  it.each(ALGORITHMS)(
    'accepts a %s signature by its key and refuses one changed byte',
    async (alg) => {
      const { keys, input, signature } = await signed(alg);
      expect(signatureValid(alg, keys.publicKey, input, signature)).toBe(true);
      const tampered = Buffer.from(signature, 'base64url');
      tampered[5] = (tampered[5] ?? 0) ^ 1;
      expect(signatureValid(alg, keys.publicKey, input, tampered.toString('base64url'))).toBe(
        false,
      );
      expect(signatureValid(alg, keys.publicKey, `${input}x`, signature)).toBe(false);
    },
  );

  it('refuses a key of another curve or type than the algorithm names', async () => {
    const es384 = await generateKeyPair('ES384');
    const es256 = await signed('ES256');
    expect(signatureValid('ES256', es384.publicKey, es256.input, es256.signature)).toBe(false);
    const rsa = await signed('RS256');
    expect(signatureValid('ES256', rsa.keys.publicKey, rsa.input, rsa.signature)).toBe(false);
    // PS256 over an RSA key is its own algorithm: an RS256 signature does not pass as PS256.
    expect(signatureValid('PS256', rsa.keys.publicKey, rsa.input, rsa.signature)).toBe(false);
  });

  it('refuses an unknown or symmetric algorithm, and a private key', async () => {
    const { keys, input, signature } = await signed('ES256');
    expect(signatureValid('HS256', keys.publicKey, input, signature)).toBe(false);
    expect(signatureValid('none', keys.publicKey, input, signature)).toBe(false);
    expect(signatureValid('ES256', keys.privateKey, input, signature)).toBe(false);
  });

  it('refuses a DER-encoded ECDSA signature (JWS signatures are r || s)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const input = 'eyJhbGciOiJFUzI1NiJ9.e30';
    const der = nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url');
    const raw = nodeSign('sha256', Buffer.from(input), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    expect(signatureValid('ES256', publicKey, input, raw)).toBe(true);
    expect(signatureValid('ES256', publicKey, input, der)).toBe(false);
  });

  it('refuses an RSA key under 2048 bits', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const input = 'eyJhbGciOiJSUzI1NiJ9.e30';
    const signature = nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url');
    expect(signatureValid('RS256', publicKey, input, signature)).toBe(false);
  });
});
