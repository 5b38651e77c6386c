/**
 * How much of one value a log or audit line keeps. Much of what reaches a line is chosen by a
 * caller (audience, scopes, intent, claims, paths, header values, descriptions echoing them),
 * so each value is bounded where lines are written: a 16 KiB body cannot become a 16 KiB line.
 * Lists are bounded too; the widest one an exchange accepts (intent targets) fits whole.
 */
export const LOG_BOUNDS = {
  /** Characters of one string, the cut marker included. */
  chars: 256,
  /** Items of one array; the rest become one marker item. */
  items: 32,
  /** Levels of nested objects and arrays; deeper ones become a marker. */
  depth: 6,
  /**
   * Characters of one string of an audit event: the longest legitimate value (an intent's
   * purpose, 512) is evidence and fits whole; an attacker's 16 KiB does not.
   */
  auditChars: 512,
} as const;

const MARKER = (cut: number) => `…[cut ${cut} chars]`;

/**
 * The string itself when it fits in `max` characters; else its start and a marker naming how
 * many characters were cut, `max` characters in all. Bounding twice changes nothing.
 *
 * @example
 * boundString('a'.repeat(16384)); // 238 a's then '…[cut 16146 chars]': 256 characters
 */
export function boundString(value: string, max: number = LOG_BOUNDS.chars): string {
  if (value.length <= max) return value;
  // The marker's digits are at most those of the whole length, so the result never exceeds max;
  // when the count cut has fewer digits, keep that much more and land on max exactly.
  let keep = Math.max(0, max - MARKER(value.length).length);
  const more = max - MARKER(value.length - keep).length;
  if (more > keep && more + MARKER(value.length - more).length <= max) keep = more;
  // Never split a surrogate pair: half a character is not valid text.
  const code = value.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return `${value.slice(0, keep)}${MARKER(value.length - keep)}`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` fit for a log line: every string bounded by {@link boundString}, every
 * array to {@link LOG_BOUNDS}.items (then a marker item), nesting to {@link LOG_BOUNDS}.depth.
 * Errors and other class instances pass unchanged: the logger's error serializer bounds errors.
 *
 * @example
 * logger.info(boundForLog({ audience, scopes }), 'refused');
 */
export function boundForLog<T>(value: T, chars: number = LOG_BOUNDS.chars): T {
  return bound(value, 0, chars) as T;
}

function bound(value: unknown, depth: number, chars: number): unknown {
  if (typeof value === 'string') return boundString(value, chars);
  if (typeof value !== 'object' || value === null) return value;
  const nested = Array.isArray(value) || isPlainObject(value);
  if (!nested) return value;
  if (depth >= LOG_BOUNDS.depth) return '…[cut: nested too deep]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, LOG_BOUNDS.items).map((item) => bound(item, depth + 1, chars));
    const cut = value.length - kept.length;
    return cut > 0 ? [...kept, `…[cut ${cut} items]`] : kept;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = bound(item, depth + 1, chars);
  return out;
}

/**
 * A stack fit for a log line: every frame kept, but each error message in it (of the error and
 * its causes) as bounded as the `message` field, and each line bounded.
 */
export function boundStack(stack: string, err: unknown): string {
  let text = stack;
  for (let e: unknown = err, hops = 0; e instanceof Error && hops < 8; e = e.cause, hops += 1) {
    if (e.message.length > LOG_BOUNDS.chars)
      text = text.split(e.message).join(boundString(e.message));
  }
  return text
    .split('\n')
    .map((line) => boundString(line))
    .join('\n');
}
