import { bearerCredential } from '../../src/http/bearer-credential.js';

describe('bearerCredential', () => {
  it('reads the scheme in any case (RFC 9110 section 11.1)', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(bearerCredential(`${scheme} mdt_abc`)).toBe('mdt_abc');
    }
    expect(bearerCredential('Bearer   mdt_abc')).toBe('mdt_abc');
  });

  it('reads nothing from another scheme, a missing credential or one over the bound', () => {
    expect(bearerCredential(undefined)).toBeUndefined();
    expect(bearerCredential('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerCredential('Bearer')).toBeUndefined();
    expect(bearerCredential('Bearer ')).toBeUndefined();
    expect(bearerCredential('Bearer a b')).toBeUndefined();
    expect(bearerCredential('Bearertoken')).toBeUndefined();
    expect(bearerCredential(`Bearer ${'x'.repeat(513)}`, 512)).toBeUndefined();
    expect(bearerCredential(`Bearer ${'x'.repeat(512)}`, 512)).toBe('x'.repeat(512));
  });
});
