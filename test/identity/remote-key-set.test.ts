import { exportJWK, generateKeyPair } from 'jose';
import { RemoteKeySet } from '../../src/identity/remote-key-set.js';

describe("an issuer's key set tells when its keys change", () => {
  it('reports a refresh that brings other keys, not one that brings the same', async () => {
    const jwk = async (kid: string) => ({
      ...(await exportJWK((await generateKeyPair('ES256')).publicKey)),
      kid,
      alg: 'ES256',
    });
    const [a, b] = [await jwk('a'), await jwk('b')];
    let document: unknown = { keys: [a] };
    let now = 0;
    let changes = 0;
    const keys = new RemoteKeySet({
      load: () => Promise.resolve(document),
      clock: { now: () => now },
      maxAgeMs: 1000,
      cooldownMs: 0,
      maxKeys: 10,
      onFailure: () => {},
      onKeysChanged: () => (changes += 1),
    });
    const header = { alg: 'ES256', kid: 'a' };
    const input = { payload: '', signature: '' };
    await keys.getKey(header, input);
    expect(changes).toBe(1); // the first keys

    now = 2000; // stale: refetched, same document
    await keys.getKey(header, input);
    expect(changes).toBe(1);

    document = { keys: [b] };
    now = 4000;
    await expect(keys.getKey(header, input)).rejects.toThrow();
    expect(changes).toBe(2);
  });
});
