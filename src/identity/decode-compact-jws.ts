import { refuse } from './subject-refusal.js';

/** The header and claims of a compact JWS, decoded strictly but not yet verified. */
export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a compact JWS before any crypto, refusing anything a lenient decoder would let
 * through: not exactly three segments (JWE has five), non-canonical base64url (so no two
 * spellings of one token), invalid UTF-8, JSON that is not an object, and duplicate member
 * names (parsers disagree on which one wins).
 *
 * @example
 * const { header, payload } = decodeCompactJws(token);
 */
export function decodeCompactJws(token: string): DecodedJws {
  const parts = token.split('.');
  if (parts.length === 5)
    throw refuse('malformed', 'malformed token: encrypted tokens (JWE) are not accepted');
  if (parts.length !== 3) throw refuse('malformed', 'malformed token: not a compact JWS');
  if (parts[2] === '') throw refuse('malformed', 'malformed token: signature is missing');
  for (const part of parts) {
    if (!SEGMENT.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part)
      throw refuse('malformed', 'malformed token: a segment is not canonical base64url');
  }
  return {
    header: decodeJsonObject(parts[0]!, 'header'),
    payload: decodeJsonObject(parts[1]!, 'payload'),
  };
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(Buffer.from(segment, 'base64url'));
    value = JSON.parse(text);
  } catch {
    throw refuse('malformed', `malformed token: ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw refuse('malformed', `malformed token: ${what} is not a JSON object`);
  if (hasDuplicateMember(text))
    throw refuse('malformed', `malformed token: ${what} has a duplicate member name`);
  return value as Record<string, unknown>;
}

/**
 * True when some object in `text` names a member twice. `text` must already be valid JSON, so
 * a flat scan that tracks objects, arrays and strings is exact. Names are compared decoded, so
 * `"a"` and `"\u0061"` are the same name.
 */
export function hasDuplicateMember(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = stack[stack.length - 1];
      if (names && expectName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === '{') {
      stack.push(new Set());
      expectName = true;
    } else if (c === '[') {
      stack.push(null);
      expectName = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = stack[stack.length - 1] !== null && stack.length > 0;
    } else if (c === ':') {
      expectName = false;
    }
  }
  return false;
}
