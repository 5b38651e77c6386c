import { b64, json, rawToDer } from '../identity/support/forge.js';
import { expectGranted, expectRefused } from './support/expect-refused.js';
import { AGENT, startSecurityFixture, type SecurityFixture } from './support/security-fixture.js';

// Attacks on the bytes: the signature and the encoding around it.
describe('subject token signature and encoding attacks', () => {
  let f: SecurityFixture;
  let valid: string;
  let parts: [string, string, string];
  beforeAll(async () => {
    f = await startSecurityFixture();
    valid = await f.validSvid();
    parts = valid.split('.') as [string, string, string];
  });
  afterAll(() => f.close());

  const withSignature = (sig: Buffer | string) =>
    `${parts[0]}.${parts[1]}.${typeof sig === 'string' ? sig : b64(sig)}`;
  const signature = () => Buffer.from(parts[2], 'base64url');

  it('grants the untouched token (control)', async () => {
    await expectGranted(f.t, valid);
  });

  describe('signature', () => {
    it('refuses a flipped bit in the signature', async () => {
      for (const index of [0, 31, 32, 63]) {
        const sig = signature();
        sig[index]! ^= 0x01;
        await expectRefused(f.t, withSignature(sig), /bad signature/);
      }
    });
    it('refuses a truncated signature', async () => {
      await expectRefused(f.t, withSignature(signature().subarray(0, 63)), /bad signature/);
      await expectRefused(f.t, withSignature(signature().subarray(0, 32)), /bad signature/);
    });
    it('refuses a stripped signature', async () => {
      await expectRefused(f.t, `${parts[0]}.${parts[1]}.`, /signature is missing/);
      await expectRefused(f.t, `${parts[0]}.${parts[1]}`, /not a compact JWS/);
    });
    it('refuses an all-zero signature (r = s = 0)', async () => {
      await expectRefused(f.t, withSignature(Buffer.alloc(64)), /bad signature/);
    });
    it('refuses r = s = n (the curve order, which is zero mod n)', async () => {
      const n = Buffer.from(
        'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
        'hex',
      );
      await expectRefused(f.t, withSignature(Buffer.concat([n, n])), /bad signature/);
    });
    it('refuses a DER-encoded ECDSA signature', async () => {
      await expectRefused(f.t, withSignature(rawToDer(signature())), /bad signature/);
    });
    it("refuses another token's signature", async () => {
      const other = (await f.t.td.svid({ path: '/agent/other' })).split('.')[2]!;
      await expectRefused(f.t, withSignature(other), /bad signature/);
    });
  });

  describe('base64url', () => {
    it.each([
      [
        'standard base64 "+" and "/"',
        (s: string) => s.replace(/-/g, '+').replace(/_/g, '/') + '+/',
      ],
      ['"=" padding', (s: string) => `${s}==`],
      ['a space', (s: string) => `${s.slice(0, 5)} ${s.slice(5)}`],
      ['a line break', (s: string) => `${s.slice(0, 5)}\n${s.slice(5)}`],
      ['a non-ASCII letter', (s: string) => `${s.slice(0, 5)}é${s.slice(5)}`],
      ['a length of 4n+1', (s: string) => s + 'A'.repeat((5 - (s.length % 4)) % 4 || 4)],
    ])('refuses a segment with %s', async (_name, mangle) => {
      for (const i of [0, 1, 2] as const) {
        const copy = [...parts];
        copy[i] = mangle(copy[i]!);
        await expectRefused(
          f.t,
          copy.join('.'),
          /not canonical base64url|not a compact JWS/,
          AGENT,
        );
      }
    });
    it('refuses non-canonical trailing bits (two spellings of one signature)', async () => {
      // 64 bytes need 86 characters; the last carries 4 unused bits a lenient decoder ignores.
      const last = parts[2].at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = alphabet[alphabet.indexOf(last) ^ 0x01]!;
      const token = withSignature(parts[2].slice(0, -1) + twin);
      expect(Buffer.from(token.split('.')[2]!, 'base64url')).toEqual(signature());
      await expectRefused(f.t, token, /not canonical base64url/);
    });
    it('refuses a header or payload that is not UTF-8 JSON', async () => {
      const bad = b64(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]));
      await expectRefused(f.t, `${bad}.${parts[1]}.${parts[2]}`, /header is not JSON/, AGENT);
      await expectRefused(
        f.t,
        `${parts[0]}.${b64('[1,2]')}.${parts[2]}`,
        /payload is not a JSON object/,
        AGENT,
      );
    });
  });

  describe('duplicate JSON member names', () => {
    it('refuses a duplicate sub (which one wins depends on the parser)', async () => {
      const claims = json(f.svidClaims()).replace(
        '{',
        `{"sub":"spiffe://other.example/agent/admin",`,
      );
      await expectRefused(
        f.t,
        await f.signSvid(json({ alg: 'ES256', kid: f.td.kid }), claims),
        /payload has a duplicate member name/,
      );
    });
    it('refuses a duplicate spelled with an escape ("s\\u0075b")', async () => {
      const claims = json(f.svidClaims()).replace('{', `{"s\\u0075b":"spiffe://other.example/x",`);
      await expectRefused(
        f.t,
        await f.signSvid(json({ alg: 'ES256', kid: f.td.kid }), claims),
        /payload has a duplicate member name/,
      );
    });
    it('refuses a duplicate alg in the header', async () => {
      const header = `{"alg":"none","alg":"ES256","kid":${json(f.td.kid)}}`;
      await expectRefused(
        f.t,
        await f.signSvid(header, json(f.svidClaims())),
        /header has a duplicate member name/,
      );
    });
    it('refuses a duplicate inside a nested object', async () => {
      const claims = json(f.svidClaims({ ctx: { a: 1 } })).replace('"ctx":{', '"ctx":{"a":0,');
      await expectRefused(
        f.t,
        await f.signSvid(json({ alg: 'ES256', kid: f.td.kid }), claims),
        /payload has a duplicate member name/,
      );
    });
  });
});
