import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';
import { AGENT_TASK_TYPE } from '../intent/agent-task-detail.js';
import type { DeclaredIntent } from '../intent/intent.js';
import { moreSensitive } from '../intent/tiers.js';
import { assertShowable, intentFields, issueText, jsonMember } from './intent-schema.js';

/** Intent as RFC 9396 authorization details: what the request declares, merged. */
export interface RequestedDetails {
  readonly intent: DeclaredIntent;
  /** Every entry's `actions`: scopes of the named resource. */
  readonly actions: readonly string[];
  /** Every entry's `locations`: audience URIs of the resource. */
  readonly locations: readonly string[];
}

/** A location is an absolute URI without a fragment (RFC 9396 section 2.2, RFC 8707). */
const location = z
  .string()
  .max(2048, 'is too long')
  .refine((l) => URL.canParse(l) && !l.includes('#'), 'must be an absolute URI without fragment');

const agentTask = z.strictObject({
  type: z.literal(AGENT_TASK_TYPE),
  locations: z.array(location).min(1, 'is empty').max(DEFAULTS.maxAuthorizationDetails).optional(),
  actions: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope of the resource'))
    .min(1, 'is empty')
    .max(DEFAULTS.maxScopesPerRequest, `has more than ${DEFAULTS.maxScopesPerRequest} entries`),
  ...intentFields,
});

const detailsSchema = z
  .array(z.unknown())
  .min(1, 'is empty')
  .max(
    DEFAULTS.maxAuthorizationDetails,
    `has more than ${DEFAULTS.maxAuthorizationDetails} entries`,
  );

/**
 * Validates `authorization_details` (RFC 9396: a JSON array, or its JSON text in a form body)
 * of `agent_task` entries, held to the same rules as the legacy `intent`, and merges them: one
 * token serves one task, so every entry must declare the same purpose; targets, delegates,
 * actions and locations are joined, the sensitivity is the highest declared. Every problem is
 * `invalid_authorization_details` (RFC 9396 section 5) naming the entry and member.
 *
 * @example
 * parseAuthorizationDetails('[{"type":"agent_task","actions":["tickets:read"],"purpose":"triage"}]');
 */
export function parseAuthorizationDetails(raw: unknown): RequestedDetails {
  const list = detailsSchema.safeParse(
    jsonMember(raw, 'authorization_details', 'invalid_authorization_details'),
  );
  if (!list.success) refuse(issueText(list.error, 'authorization_details'));
  const entries = list.data.map((entry, i) => {
    const field = `authorization_details[${i}]`;
    const type = (entry as { type?: unknown } | null)?.type;
    if (type !== AGENT_TASK_TYPE)
      refuse(
        typeof type === 'string'
          ? `${field}.type ${JSON.stringify(type.slice(0, 64))} is not supported; use "${AGENT_TASK_TYPE}"`
          : `${field}.type is missing`,
      );
    const parsed = agentTask.safeParse(entry);
    if (!parsed.success) refuse(issueText(parsed.error, field));
    assertShowable(parsed.data, field, 'invalid_authorization_details');
    return parsed.data;
  });
  return merged(entries);
}

function merged(entries: readonly z.output<typeof agentTask>[]): RequestedDetails {
  const first = entries[0]!;
  const differing = entries.findIndex((e) => e.purpose !== first.purpose);
  if (differing > 0)
    refuse(
      `authorization_details[${differing}].purpose differs from authorization_details[0]'s: one token serves one task`,
    );
  const union = (pick: (e: (typeof entries)[number]) => readonly string[] | undefined) => [
    ...new Set(entries.flatMap((e) => pick(e) ?? [])),
  ];
  const targets = union((e) => e.targets);
  if (targets.length > DEFAULTS.maxTargets)
    refuse(`authorization_details name more than ${DEFAULTS.maxTargets} targets`);
  const delegates = union((e) => e.delegates);
  const sensitivity = entries
    .map((e) => e.sensitivity)
    .reduce((a, b) => (a === undefined ? b : b === undefined ? a : moreSensitive(a, b)));
  return {
    intent: {
      purpose: first.purpose,
      targets,
      ...(sensitivity !== undefined ? { sensitivity } : {}),
      ...(delegates.length > 0 ? { delegates } : {}),
    },
    actions: union((e) => e.actions),
    locations: union((e) => e.locations),
  };
}

function refuse(description: string): never {
  throw new MandateError('invalid_authorization_details', description);
}
