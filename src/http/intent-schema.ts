import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { MandateError, type ErrorCode } from '../errors.js';
import type { DeclaredIntent } from '../intent/intent.js';
import { textProblem } from '../intent/intent-text.js';
import { SENSITIVITIES } from '../intent/tiers.js';

/**
 * The members of a declared intent, with their bounds: the legacy `intent` object and an
 * `agent_task` authorization detail (RFC 9396) both use them, so both are held to one rule.
 */
export const intentFields = {
  purpose: z.string().trim().min(1, 'is empty').max(DEFAULTS.maxPurposeLength, 'is too long'),
  targets: z
    .array(z.string().min(1, 'is empty').max(DEFAULTS.maxTargetLength, 'is too long'))
    .max(DEFAULTS.maxTargets, `has more than ${DEFAULTS.maxTargets} entries`)
    .default([]),
  sensitivity: z.enum(SENSITIVITIES).optional(),
  delegates: z
    .array(z.string().min(1, 'is empty').max(2048, 'is too long'))
    .min(1, 'is empty')
    .max(DEFAULTS.maxTargets, `has more than ${DEFAULTS.maxTargets} entries`)
    .optional(),
};

const intentSchema = z.strictObject(intentFields);

/**
 * A JSON value as sent: an object or array itself (JSON body), or its JSON text (form body).
 * Unparseable text is `code`, naming `field`.
 */
export function jsonMember(raw: unknown, field: string, code: ErrorCode): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new MandateError(code, `${field} is not valid JSON`);
  }
}

/**
 * The first problem of a zod parse, naming where: `intent.purpose is empty`,
 * `authorization_details[0].targets[2] is too long`; zod's own words follow a colon.
 */
export function issueText(error: z.ZodError, field: string): string {
  const issue = error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
  const ours = /^(is|has|must) /.test(issue.message);
  return `${field}${path.join('')}${ours ? ' ' : ': '}${issue.message}`;
}

/** The legacy `intent` member: `{"purpose": ..., "targets": [...]}`, object or JSON text. */
export function parseIntent(raw: unknown): DeclaredIntent {
  const parsed = intentSchema.safeParse(jsonMember(raw, 'intent', 'invalid_request'));
  if (!parsed.success) throw new MandateError('invalid_request', issueText(parsed.error, 'intent'));
  assertShowable(parsed.data, 'intent', 'invalid_request');
  return parsed.data;
}

/** Refuses a purpose or target an approver's or operator's screen would show as something else. */
export function assertShowable(intent: DeclaredIntent, field: string, code: ErrorCode): void {
  const texts: [string, string][] = [
    [`${field}.purpose`, intent.purpose],
    ...intent.targets.map((t, i): [string, string] => [`${field}.targets[${i}]`, t]),
    ...(intent.delegates ?? []).map((d, i): [string, string] => [`${field}.delegates[${i}]`, d]),
  ];
  for (const [name, text] of texts) {
    const problem = textProblem(text);
    if (problem) throw new MandateError(code, `${name} ${problem}`);
  }
}
