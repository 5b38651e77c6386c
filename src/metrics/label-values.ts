import { APPROVAL_EVENTS } from '../audit/audit-event.js';
export { AUDIT_SINK_KINDS } from '../audit/audit-sink.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { LOOP_RULES } from '../grants/loop-rules.js';
import { REFUSAL_CLASSES } from '../identity/subject-refusal.js';
import { SUBJECT_SOURCES } from '../identity/verify-subject-token.js';

// Every label value a metric can take, derived from the unions the code already types, so a new
// error code, loop rule or refusal class is a zero series from the first scrape: an alert on
// `increase(...) > 0` then sees its first occurrence, which it misses while the series is absent.

/**
 * Codes only other routes answer (operator auth, bearer tokens, lookups) or that the HTTP layer
 * answers before an exchange starts. Kept as the short list of exceptions, so a new code is
 * counted as an exchange outcome unless it is named here.
 */
const NOT_EXCHANGE_CODES = [
  'invalid_client',
  'invalid_token',
  'insufficient_scope',
  'not_found',
  'conflict',
  'unsupported_grant_type',
  'payload_too_large',
  'unsupported_media_type',
] as const satisfies readonly ErrorCode[];

/** What an exchange ended in: granted, or the error code of its refusal. */
export type ExchangeOutcome = 'granted' | ErrorCode;

/** `granted` and every code an exchange can answer. */
export const EXCHANGE_OUTCOMES: readonly ExchangeOutcome[] = [
  'granted',
  ...ERROR_CODES.filter((c) => !(NOT_EXCHANGE_CODES as readonly ErrorCode[]).includes(c)),
];

/** The exchange latency is split only this far, to keep the histogram's series few. */
export const EXCHANGE_RESULTS = ['granted', 'refused'] as const;

/**
 * What a transaction-token request ended in: `issued`, or the code of its refusal (the codes the
 * use case answers; a malformed request is refused before it and not counted).
 */
export const TXN_TOKEN_OUTCOMES = [
  'issued',
  'invalid_request',
  'invalid_scope',
  'invalid_target',
  'temporarily_unavailable',
  'server_error',
] as const satisfies readonly ('issued' | ErrorCode)[];

/** One of {@link TXN_TOKEN_OUTCOMES}. */
export type TxnTokenOutcome = (typeof TXN_TOKEN_OUTCOMES)[number];

/** The loop rules, as `mandate_loop_trips_total{rule}`. */
export { LOOP_RULES };

/** A policy reload swapped the set in, or failed and kept the serving one. */
export const RELOAD_OUTCOMES = ['ok', 'failed'] as const;

/** An approval event without its `approval_` prefix: `requested`, `approved`, ... */
export type ApprovalMetricEvent = (typeof APPROVAL_EVENTS)[number] extends `approval_${infer E}`
  ? E
  : never;

/** The label of an approval event in `mandate_approvals_total{event}`. */
export function approvalMetricEvent(event: (typeof APPROVAL_EVENTS)[number]): ApprovalMetricEvent {
  return event.slice('approval_'.length) as ApprovalMetricEvent;
}

/** Every approval event, as labelled. */
export const APPROVAL_METRIC_EVENTS: readonly ApprovalMetricEvent[] =
  APPROVAL_EVENTS.map(approvalMetricEvent);

/** Who revoked grants: the agent (`/revoke`), the agent ending its task, an operator, a loop rule. */
export const REVOCATION_SOURCES = ['agent', 'task_completed', 'operator', 'loop_rule'] as const;

/** What became of a revocation the AWS deny-policy revoker applied (docs/aws.md). */
export const AWS_REVOCATION_OUTCOMES = ['denied', 'folded', 'pruned', 'failed'] as const;

/** The stores whose Redis failures answer 503. */
export const STORES = ['grants', 'approvals'] as const;

/** Subject-token verifiers. */
export { SUBJECT_SOURCES };

/** A verified token, a refusal class, or `error` (a failure that is not a refusal). */
export const SUBJECT_OUTCOMES = ['verified', ...REFUSAL_CLASSES, 'error'] as const;

/** The caches on the exchange's path: policy decisions per scope, verified subject tokens. */
export const CACHES = ['policy_decision', 'subject_token'] as const;

/** What a cache lookup found. */
export const CACHE_RESULTS = ['hit', 'miss'] as const;
