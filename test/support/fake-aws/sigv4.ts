import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a verified SigV4 request was signed with. */
export interface SignedBy {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  readonly sessionToken?: string;
}

/** A request whose signature does not verify, with the reason AWS would give. */
export class SignatureError extends Error {
  constructor(
    readonly code:
      'IncompleteSignature' | 'InvalidClientTokenId' | 'SignatureDoesNotMatch' | 'RequestExpired',
    message: string,
  ) {
    super(message);
  }
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

/**
 * Verifies an AWS Signature Version 4 header signature the way AWS does, written from the
 * specification (not the SDK's signer), so a request the SDK signs wrongly fails here.
 * `secretFor` returns the secret of an access key id (undefined: unknown key).
 */
export function verifySigV4(
  request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  secretFor: (accessKeyId: string) => { secret: string; sessionToken?: string } | undefined,
  nowMs: number,
): SignedBy {
  const auth = request.headers.authorization;
  const match = typeof auth === 'string' ? AUTH.exec(auth) : null;
  if (!match)
    throw new SignatureError('IncompleteSignature', 'no AWS4-HMAC-SHA256 Authorization header');
  const [, accessKeyId, day, region, service, signedHeaderList, signature] =
    match as unknown as string[];
  const amzDate = header(request.headers, 'x-amz-date');
  if (!amzDate || !amzDate.startsWith(day!))
    throw new SignatureError('IncompleteSignature', 'x-amz-date missing or not the credential day');
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(nowMs - signedAt) > 15 * 60_000)
    throw new SignatureError('RequestExpired', 'signed more than 15 minutes away from now');
  const key = secretFor(accessKeyId!);
  if (!key)
    throw new SignatureError(
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    );
  const signedHeaders = signedHeaderList!.split(';');
  for (const required of ['host', 'x-amz-date'])
    if (!signedHeaders.includes(required))
      throw new SignatureError('IncompleteSignature', `${required} is not signed`);
  const token = header(request.headers, 'x-amz-security-token');
  if (key.sessionToken !== undefined) {
    if (token !== key.sessionToken || !signedHeaders.includes('x-amz-security-token'))
      throw new SignatureError(
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
  }
  const [path, query = ''] = request.path.split('?');
  const canonical = [
    request.method,
    path!
      .split('/')
      .map((s) => encode(decodeURIComponent(s)))
      .join('/'),
    canonicalQuery(query),
    signedHeaders
      .map((h) => `${h}:${(header(request.headers, h) ?? '').trim().replace(/\s+/g, ' ')}\n`)
      .join(''),
    signedHeaders.join(';'),
    sha256(request.body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${key.secret}`, day!), region!), service!),
    'aws4_request',
  );
  const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
  if (expected !== signature)
    throw new SignatureError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  return {
    accessKeyId: accessKeyId!,
    region: region!,
    service: service!,
    ...(token ? { sessionToken: token } : {}),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters only left as they are. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const [k = '', v = ''] = pair.split('=');
      return [encode(decodeURIComponent(k)), encode(decodeURIComponent(v))] as const;
    })
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
