import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import { MandateError } from '../errors.js';

/** The most form parameters a request may carry. */
const MAX_PARAMETERS = 64;

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^\\s*(${TOKEN}/${TOKEN})\\s*(;.*)?$`);
const PARAMETER = new RegExp(`^\\s*(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*")\\s*$`);

const unsupportedType = () =>
  new MandateError(
    'unsupported_media_type',
    'Content-Type must be application/x-www-form-urlencoded or application/json',
  );
const unsupportedEncoding = () =>
  new MandateError('unsupported_media_type', 'request body encoding is not supported');

/** The media type (lower case) and charset of a Content-Type, or undefined when malformed. */
function contentType(header: string): { type: string; charset?: string } | undefined {
  const match = MEDIA_TYPE.exec(header);
  if (!match) return undefined;
  let charset: string | undefined;
  for (const param of (match[2] ?? '').split(';').slice(1)) {
    const p = PARAMETER.exec(param);
    if (!p) return undefined;
    if (p[1]!.toLowerCase() === 'charset') {
      const value = p[2]!.startsWith('"') ? p[2]!.slice(1, -1).replace(/\\(.)/g, '$1') : p[2]!;
      charset = value.toLowerCase();
    }
  }
  return { type: match[1]!.toLowerCase(), ...(charset !== undefined ? { charset } : {}) };
}

/** The body as its Content-Encoding says to read it (gzip, deflate, br or none). */
function decoded(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoder =
    encoding === 'gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (encoding === 'identity') return req;
  if (!decoder) throw unsupportedEncoding();
  req.pipe(decoder);
  return decoder;
}

/** Reads at most `limit` decoded bytes; more is 413, a corrupt encoding 400. */
function readAll(req: IncomingMessage, stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const fail = (err: MandateError) => {
      if (stream !== req) {
        req.unpipe(stream as unknown as Writable);
        stream.destroy();
      }
      req.pause();
      reject(err);
    };
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        fail(new MandateError('payload_too_large', `request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    stream.on('error', () => {
      // An error of the request itself is the client going away: nobody to answer.
      if (stream === req) reject(new ClientGone());
      else
        fail(
          new MandateError(
            'invalid_request',
            'request body could not be decoded as its Content-Encoding says',
          ),
        );
    });
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

/** The client closed its connection before its request was read. */
export class ClientGone extends Error {
  constructor() {
    super('client closed the connection before its request was read');
  }
}

/** `application/x-www-form-urlencoded`, as WHATWG URL parses it; a repeated name is an array. */
function parseForm(text: string, charset: string): Record<string, unknown> {
  if (text.length === 0) return {};
  let count = 1;
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (++count > MAX_PARAMETERS)
      throw new MandateError('invalid_request', 'request has too many parameters');
  }
  const body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const pairs = charset === 'iso-8859-1' ? latin1Pairs(text) : new URLSearchParams(text).entries();
  for (const [name, value] of pairs) {
    if (name === '') continue;
    const seen = body[name];
    body[name] =
      seen === undefined
        ? value
        : Array.isArray(seen)
          ? [...(seen as string[]), value]
          : [seen, value];
  }
  return body;
}

/** Form pairs whose percent escapes are ISO-8859-1 bytes. */
function* latin1Pairs(text: string): Generator<[string, string]> {
  const decode = (s: string) =>
    s
      .replace(/\+/g, ' ')
      .replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  for (const pair of text.split('&')) {
    const at = pair.indexOf('=');
    yield at === -1 ? [decode(pair), ''] : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))];
  }
}

/** JSON whose top level is an object or array (RFC 8259; a bare scalar is refused). */
function parseJson(text: string): unknown {
  const trimmed = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (trimmed.length === 0) return {};
  // Other leading white space than JSON's fails JSON.parse below with the same answer.
  const first = trimmed.trimStart()[0];
  if (first !== '{' && first !== '[')
    throw new MandateError('invalid_request', 'request body is not valid JSON');
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    throw new MandateError('invalid_request', 'request body is not valid JSON');
  }
}

/**
 * Reads a token-endpoint body with node:http alone: `application/x-www-form-urlencoded`
 * (UTF-8 or ISO-8859-1, at most 64 parameters) or `application/json` (UTF-8), anything else
 * 415; a declared `Content-Length` over `limit` is 413 before a byte is read, a body growing
 * past it 413 once it does; gzip, deflate and br bodies are decoded, the limit applying to the
 * decoded bytes. Refusals are MandateErrors; {@link ClientGone} when the client left.
 *
 * @example
 * const body = await readBody(req, 16 * 1024);
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    !Number.isNaN(Number.parseInt(req.headers['content-length'] ?? '', 10));
  const type = contentType(req.headers['content-type'] ?? '');
  const form = type?.type === 'application/x-www-form-urlencoded';
  if (!hasBody || !type || (!form && type.type !== 'application/json')) throw unsupportedType();
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit)
    throw new MandateError('payload_too_large', `request body is larger than ${limit} bytes`);
  const charset = type.charset ?? 'utf-8';
  if (form ? charset !== 'utf-8' && charset !== 'iso-8859-1' : charset !== 'utf-8')
    throw unsupportedEncoding();
  const bytes = await readAll(req, decoded(req), limit);
  return form
    ? parseForm(bytes.toString(charset === 'utf-8' ? 'utf8' : 'latin1'), charset)
    : parseJson(bytes.toString('utf8'));
}
