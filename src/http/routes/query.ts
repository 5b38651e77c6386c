import { z } from 'zod';
import { DEFAULTS } from '../../config/defaults.js';
import { MandateError } from '../../errors.js';

/** An agent id as it appears in `?agent=`: the SPIFFE ID or OIDC agent id. */
export const agentParam = z.string().min(1).max(2048);
/** A task id, as agents and the broker make them. */
export const taskParam = z.string().regex(DEFAULTS.taskIdPattern, 'not a task id');
/** A grant id (jti). */
export const grantParam = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'not a grant id');
/** `?limit=`: at most the list cap. */
export const limitParam = z.coerce.number().int().min(1).max(DEFAULTS.maxListItems);
/** `?limit=` and `?cursor=` of a paged operator listing (the cursor: a page's `next_cursor`). */
export const pageParams = {
  limit: limitParam.default(DEFAULTS.listPageItems),
  cursor: z.string().min(1).max(1024).optional(),
};

/** The store's page request of parsed `pageParams`. */
export function pageRequest(q: { limit: number; cursor?: string | undefined }) {
  return { limit: q.limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) };
}

/** `next_cursor` of a page's answer: present only when there is a next page. */
export function nextCursor(page: { next?: string }): { next_cursor?: string } {
  return page.next !== undefined ? { next_cursor: page.next } : {};
}

/** Validates a query or path object, refusing with `invalid_request` naming the parameter. */
export function parseParams<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.map(String).join('.') || 'parameters';
    throw new MandateError('invalid_request', `${name}: ${issue.message}`);
  }
  return parsed.data;
}
