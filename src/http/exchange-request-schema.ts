import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';
import type { ExchangeRequest } from '../exchange/exchange-request.js';
import { parseAuthorizationDetails } from './authorization-details-schema.js';
import { parseIntent } from './intent-schema.js';

/** RFC 8693's grant type URN. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523's grant type URN: a JWT assertion for an access token. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The grants the token endpoint serves, in the order metadata lists them. */
export const GRANT_TYPES = [TOKEN_EXCHANGE_GRANT, JWT_BEARER_GRANT] as const;

/** A parameter given once, as a string, or an RFC 6749 error naming it. */
export const once = (name: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? `${name} is missing` : `${name} must be given once, as a string`,
  });

/**
 * The parameters both grants take to ask for a task's token: which resource (`audience`, RFC
 * 8707 `resource`, RFC 9396 `locations`), which scopes, the intent (legacy `intent` or RFC 9396
 * `authorization_details`), the task, an approval, a shorter lifetime.
 */
export const taskRequestFields = {
  audience: once('audience').min(1, 'audience is empty').optional(),
  resource: z.unknown().optional(),
  scope: once('scope').optional(),
  task_id: once('task_id')
    .regex(DEFAULTS.taskIdPattern, 'task_id must be 1-128 characters of [A-Za-z0-9._~-]')
    .optional(),
  approval_id: once('approval_id')
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'approval_id is not an approval id')
    .optional(),
  requested_ttl: z
    .union([z.number(), z.string().regex(/^\d{1,9}$/, 'requested_ttl is whole seconds')])
    .transform(Number)
    .pipe(z.number().int('requested_ttl is whole seconds').positive('requested_ttl must be > 0'))
    .optional(),
  intent: z.unknown().optional(),
  authorization_details: z.unknown().optional(),
};

const requestSchema = z.object({
  subject_token: once('subject_token').min(1, 'subject_token is empty'),
  subject_token_type: once('subject_token_type'),
  requested_token_type: once('requested_token_type').optional(),
  ...taskRequestFields,
});

const actorSchema = z.object({
  actor_token: once('actor_token').min(1, 'actor_token is empty').optional(),
  actor_token_type: once('actor_token_type').optional(),
});

/**
 * The fields of a body for `grantType` (the route chose it by `grant_type`), checked by
 * `schema`; the first problem is an RFC 6749 error naming the parameter (`invalid_scope` for
 * `scope`, else `invalid_request`). Any other `grant_type` is `unsupported_grant_type`.
 */
export function grantFields<T extends z.ZodType>(
  body: unknown,
  schema: T,
  grantType: (typeof GRANT_TYPES)[number] = TOKEN_EXCHANGE_GRANT,
): { fields: Record<string, unknown>; parsed: z.output<T> } {
  const fields = (body ?? {}) as Record<string, unknown>;
  if (fields.grant_type !== grantType)
    throw new MandateError(
      'unsupported_grant_type',
      fields.grant_type === undefined
        ? 'grant_type is missing'
        : `grant_type must be one of ${GRANT_TYPES.join(', ')}`,
    );
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const code = issue.path[0] === 'scope' ? 'invalid_scope' : 'invalid_request';
    throw new MandateError(code, issue.message);
  }
  return { fields, parsed: parsed.data };
}

/** The token-exchange form of {@link grantFields}, as the transaction-token request reads it. */
export function tokenExchangeFields<T extends z.ZodType>(
  body: unknown,
  schema: T,
): { fields: Record<string, unknown>; parsed: z.output<T> } {
  return grantFields(body, schema, TOKEN_EXCHANGE_GRANT);
}

/**
 * Validates an exchange body (form or JSON) into an {@link ExchangeRequest}; every problem is
 * an RFC 6749 error naming the parameter.
 */
export function parseExchangeRequest(body: unknown): ExchangeRequest {
  const { fields, parsed: req } = tokenExchangeFields(body, requestSchema);
  const actorToken = actorTokenOf(fields);
  return {
    subjectToken: req.subject_token,
    subjectTokenType: req.subject_token_type,
    ...(req.requested_token_type !== undefined
      ? { requestedTokenType: req.requested_token_type }
      : {}),
    ...(actorToken ? { actorToken } : {}),
    ...taskRequest(req),
  };
}

/** The task-request part of a request, both grants alike. */
export function taskRequest(
  req: z.output<z.ZodObject<typeof taskRequestFields>>,
): Omit<ExchangeRequest, 'subjectToken' | 'subjectTokenType'> {
  const resource = resourceOf(req.resource);
  const { intent, details } = declaredIntent(req);
  const scopes = scopesOf(req.scope, details?.actions ?? []);
  const locations = details?.locations ?? [];
  if (req.audience === undefined && resource === undefined && locations.length === 0)
    throw new MandateError(
      'invalid_request',
      'audience is missing: name the resource with audience, resource (RFC 8707) or authorization_details locations',
    );
  return {
    ...(req.audience !== undefined ? { audience: req.audience } : {}),
    ...(resource !== undefined ? { resource } : {}),
    ...(locations.length > 0 ? { locations } : {}),
    scopes,
    ...(req.task_id !== undefined ? { taskId: req.task_id } : {}),
    ...(req.approval_id !== undefined ? { approvalId: req.approval_id } : {}),
    ...(req.requested_ttl !== undefined ? { requestedTtlSeconds: req.requested_ttl } : {}),
    intent,
  };
}

/**
 * RFC 8707 `resource`: one absolute URI without fragment. Several are refused: one token has
 * one audience, and the broker never picks one for the client.
 */
function resourceOf(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw))
    throw new MandateError(
      'invalid_target',
      'resource is given more than once: a token has one audience; ask for one token per resource',
    );
  if (typeof raw !== 'string' || !URL.canParse(raw) || raw.includes('#'))
    throw new MandateError('invalid_target', 'resource must be an absolute URI without fragment');
  return raw;
}

/** The intent, sent as RFC 9396 `authorization_details` or as the legacy `intent`, not both. */
function declaredIntent(req: { intent?: unknown; authorization_details?: unknown }) {
  if (req.authorization_details !== undefined) {
    if (req.intent !== undefined)
      throw new MandateError(
        'invalid_request',
        'intent and authorization_details are both given: declare the intent once',
      );
    const details = parseAuthorizationDetails(req.authorization_details);
    return { intent: details.intent, details };
  }
  if (req.intent === undefined)
    throw new MandateError(
      'invalid_request',
      'intent is missing: declare authorization_details [{"type": "agent_task", ...}] or intent {"purpose": ..., "targets": [...]}',
    );
  return { intent: parseIntent(req.intent), details: undefined };
}

/** `scope` and the details' `actions`, deduplicated in request order; at least one, bounded. */
function scopesOf(scope: string | undefined, actions: readonly string[]): string[] {
  const listed = scope?.split(' ').filter((s) => s.length > 0);
  if (listed?.length === 0) throw new MandateError('invalid_scope', 'scope is empty');
  const scopes = [...new Set([...(listed ?? []), ...actions])];
  if (scopes.length === 0)
    throw new MandateError(
      'invalid_scope',
      'scope is missing: give scope or authorization_details actions',
    );
  if (scopes.length > DEFAULTS.maxScopesPerRequest)
    throw new MandateError(
      'invalid_scope',
      `more than ${DEFAULTS.maxScopesPerRequest} scopes requested`,
    );
  return scopes;
}

/** The actor token of a delegated exchange (RFC 8693 section 2.1): both members or neither. */
function actorTokenOf(fields: Record<string, unknown>): ExchangeRequest['actorToken'] {
  const parsed = actorSchema.safeParse(fields);
  if (!parsed.success) throw new MandateError('invalid_request', parsed.error.issues[0]!.message);
  const { actor_token: token, actor_token_type: type } = parsed.data;
  if (token === undefined && type === undefined) return undefined;
  if (token === undefined)
    throw new MandateError('invalid_request', 'actor_token_type is given without actor_token');
  if (type === undefined)
    throw new MandateError('invalid_request', 'actor_token is given without actor_token_type');
  return { token, type };
}
