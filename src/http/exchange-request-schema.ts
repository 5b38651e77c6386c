import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { textProblem } from '../intent/intent-text.js';
import { SENSITIVITIES } from '../intent/tiers.js';
import { MandateError } from '../errors.js';
import type { ExchangeRequest } from '../exchange/exchange-request.js';

/** RFC 8693's grant type URN. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

const once = (name: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? `${name} is missing` : `${name} must be given once, as a string`,
  });

const intentSchema = z.strictObject({
  purpose: z
    .string()
    .trim()
    .min(1, 'intent.purpose is empty')
    .max(DEFAULTS.maxPurposeLength, 'intent.purpose is too long'),
  targets: z
    .array(z.string().min(1).max(DEFAULTS.maxTargetLength, 'an intent target is too long'))
    .max(DEFAULTS.maxTargets, `intent.targets has more than ${DEFAULTS.maxTargets} entries`)
    .default([]),
  sensitivity: z.enum(SENSITIVITIES).optional(),
  delegates: z
    .array(
      z
        .string()
        .min(1, 'an intent.delegates entry is empty')
        .max(2048, 'an intent.delegates entry is too long'),
    )
    .min(1, 'intent.delegates is empty')
    .max(DEFAULTS.maxTargets, `intent.delegates has more than ${DEFAULTS.maxTargets} entries`)
    .optional(),
});

const actorSchema = z.object({
  actor_token: once('actor_token').min(1, 'actor_token is empty').optional(),
  actor_token_type: once('actor_token_type').optional(),
});

const requestSchema = z.object({
  subject_token: once('subject_token').min(1, 'subject_token is empty'),
  subject_token_type: once('subject_token_type'),
  audience: once('audience').min(1, 'audience is empty'),
  scope: once('scope'),
  task_id: once('task_id')
    .regex(DEFAULTS.taskIdPattern, 'task_id must be 1-128 characters of [A-Za-z0-9._~-]')
    .optional(),
  requested_token_type: once('requested_token_type').optional(),
  approval_id: once('approval_id')
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'approval_id is not an approval id')
    .optional(),
  requested_ttl: z
    .union([z.number(), z.string().regex(/^\d{1,9}$/, 'requested_ttl is whole seconds')])
    .transform(Number)
    .pipe(z.number().int('requested_ttl is whole seconds').positive('requested_ttl must be > 0'))
    .optional(),
  intent: z.unknown().optional(),
});

/**
 * The fields of a token-exchange body: `grant_type` must be RFC 8693's
 * (`unsupported_grant_type` else), the rest checked by `schema`; the first problem is an RFC
 * 6749 error naming the parameter (`invalid_scope` for `scope`, else `invalid_request`).
 */
export function tokenExchangeFields<T extends z.ZodType>(
  body: unknown,
  schema: T,
): { fields: Record<string, unknown>; parsed: z.output<T> } {
  const fields = (body ?? {}) as Record<string, unknown>;
  if (fields.grant_type !== TOKEN_EXCHANGE_GRANT)
    throw new MandateError(
      'unsupported_grant_type',
      fields.grant_type === undefined
        ? 'grant_type is missing'
        : `grant_type must be ${TOKEN_EXCHANGE_GRANT}`,
    );
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const code = issue.path[0] === 'scope' ? 'invalid_scope' : 'invalid_request';
    throw new MandateError(code, issue.message);
  }
  return { fields, parsed: parsed.data };
}

/**
 * Validates an exchange body (form or JSON) into an {@link ExchangeRequest}; every problem is
 * an RFC 6749 error naming the parameter.
 */
export function parseExchangeRequest(body: unknown): ExchangeRequest {
  const { fields, parsed: req } = tokenExchangeFields(body, requestSchema);
  const actorToken = actorTokenOf(fields);
  const scopes = req.scope.split(' ').filter((s) => s.length > 0);
  if (scopes.length === 0) throw new MandateError('invalid_scope', 'scope is empty');
  if (scopes.length > DEFAULTS.maxScopesPerRequest) {
    throw new MandateError(
      'invalid_scope',
      `more than ${DEFAULTS.maxScopesPerRequest} scopes requested`,
    );
  }
  return {
    subjectToken: req.subject_token,
    subjectTokenType: req.subject_token_type,
    audience: req.audience,
    scopes,
    ...(req.task_id !== undefined ? { taskId: req.task_id } : {}),
    ...(req.requested_token_type !== undefined
      ? { requestedTokenType: req.requested_token_type }
      : {}),
    ...(req.approval_id !== undefined ? { approvalId: req.approval_id } : {}),
    ...(req.requested_ttl !== undefined ? { requestedTtlSeconds: req.requested_ttl } : {}),
    ...(actorToken ? { actorToken } : {}),
    intent: parseIntent(req.intent),
  };
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

function parseIntent(raw: unknown): ExchangeRequest['intent'] {
  if (raw === undefined)
    throw new MandateError(
      'invalid_request',
      'intent is missing: declare {"purpose": ..., "targets": [...]}',
    );
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw new MandateError('invalid_request', 'intent is not valid JSON');
    }
  }
  const parsed = intentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `intent.${issue.path.join('.')}` : 'intent';
    throw new MandateError(
      'invalid_request',
      issue.message.startsWith('intent') ? issue.message : `${where}: ${issue.message}`,
    );
  }
  assertShowable(parsed.data);
  return parsed.data;
}

/** Refuses a purpose or target an approver's or operator's screen would show as something else. */
function assertShowable(intent: ExchangeRequest['intent']): void {
  const texts: [string, string][] = [
    ['intent.purpose', intent.purpose],
    ...intent.targets.map((t, i): [string, string] => [`intent.targets[${i}]`, t]),
    ...(intent.delegates ?? []).map((d, i): [string, string] => [`intent.delegates[${i}]`, d]),
  ];
  for (const [field, text] of texts) {
    const problem = textProblem(text);
    if (problem) throw new MandateError('invalid_request', `${field} ${problem}`);
  }
}
