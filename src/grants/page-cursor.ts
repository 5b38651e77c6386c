import type { z } from 'zod';
import { MandateError } from '../errors.js';

/**
 * A listing's cursor: where its next page starts, as opaque text (base64url of JSON). Each
 * store reads back only what it wrote; anything else is refused as `invalid_request`.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position `cursor` names, checked by `schema`. */
export function decodeCursor<T extends z.ZodType>(schema: T, cursor: string): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new MandateError('invalid_request', 'cursor is not one a page of this listing gave');
  return parsed.data;
}
