import fc from 'fast-check';
import { expectGranted, grantedCount } from './support/expect-refused.js';
import {
  startSecurityFixture,
  validOidc,
  type SecurityFixture,
} from './support/security-fixture.js';

// A signature covers every byte: changing any one of them, anywhere, must cost the token.
describe('every single-byte change to a valid token is refused', () => {
  let f: SecurityFixture;
  beforeAll(async () => {
    f = await startSecurityFixture();
  });
  afterAll(() => f.close());

  const change = (token: string) =>
    fc
      .tuple(fc.nat({ max: token.length - 1 }), fc.integer({ min: 0x20, max: 0x7e }))
      .filter(([i, code]) => token.charCodeAt(i) !== code)
      .map(([i, code]) => token.slice(0, i) + String.fromCharCode(code) + token.slice(i + 1));

  const refusedEverywhere = async (token: string, runs: number) => {
    await expectGranted(f.t, token);
    const before = await grantedCount(f.t);
    await fc.assert(
      fc.asyncProperty(change(token), async (mutated) => {
        const res = await f.t.exchange({ subject_token: mutated });
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
        expect(res.body).not.toHaveProperty('access_token');
      }),
      // Bounded so the suite stays fast; the seed is printed on failure for replay.
      { numRuns: runs },
    );
    expect(await grantedCount(f.t)).toBe(before);
  };

  it('for a JWT-SVID', async () => {
    await refusedEverywhere(await f.validSvid(), 150);
  });

  it('for an OIDC token', async () => {
    await refusedEverywhere(await validOidc(f), 100);
  });
});
