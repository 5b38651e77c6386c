import { createHmac, sign as nodeSign, webcrypto, type KeyObject } from 'node:crypto';
import type { CryptoKey } from 'jose';

/** base64url of a string (taken as written: lets a test put duplicate keys in JSON). */
export const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64url');

/** JSON text of a value. */
export const json = (value: unknown): string => JSON.stringify(value);

/** Signs `header.payload` (given as JSON text) with an ES256 CryptoKey: raw r||s, as JWS. */
export async function signEs256(
  privateKey: CryptoKey,
  headerText: string,
  payloadText: string,
): Promise<string> {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  const sig = await webcrypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    Buffer.from(input),
  );
  return `${input}.${b64(Buffer.from(sig))}`;
}

/** Signs with RSASSA-PKCS1-v1_5 SHA-256 (RS256) using any size of RSA key. */
export function signRs256(privateKey: KeyObject, headerText: string, payloadText: string): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${b64(nodeSign('sha256', Buffer.from(input), privateKey))}`;
}

/** Signs with HMAC SHA-256 under an attacker-chosen secret (key-confusion attacks). */
export function signHs256(
  secret: string | Buffer,
  headerText: string,
  payloadText: string,
): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${b64(createHmac('sha256', secret).update(input).digest())}`;
}

/** Re-encodes a raw ES256 signature (r||s) as ASN.1 DER, as some libraries wrongly emit. */
export function rawToDer(raw: Buffer): Buffer {
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
