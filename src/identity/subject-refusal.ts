import { MandateError } from '../errors.js';

/**
 * Why a subject token was refused, as a small fixed set: the metric label and the first words
 * of the description an agent sees. Never carries token content. A list at run time, so the
 * metric starts every class at zero.
 */
export const REFUSAL_CLASSES = [
  'too_large',
  'malformed',
  'token_type',
  'self_issued',
  'untrusted_issuer',
  'untrusted_trust_domain',
  'invalid_spiffe_id',
  'header_not_allowed',
  'algorithm_not_allowed',
  'invalid_kid',
  'no_matching_key',
  'keys_unavailable',
  'bad_signature',
  'expired',
  'lifetime_too_long',
  'not_yet_valid',
  'issued_in_future',
  'wrong_audience',
  'missing_claim',
  'invalid_claim',
  'claim_condition_failed',
] as const;
/** One of {@link REFUSAL_CLASSES}. */
export type RefusalClass = (typeof REFUSAL_CLASSES)[number];

/** A refused subject token: RFC 8693's `invalid_request`, with a class for metrics. */
export class SubjectRefusal extends MandateError {
  readonly refusal: RefusalClass;

  constructor(refusal: RefusalClass, description: string, logDetail?: string) {
    // The cause is a fresh Error holding only our own words: jose errors carry the claims set,
    // which the log must not receive wholesale.
    super('invalid_request', `subject_token rejected: ${description}`, {
      cause: new Error(`${refusal}${logDetail === undefined ? '' : `: ${logDetail}`}`),
    });
    this.refusal = refusal;
  }
}

/**
 * Refuses a subject token with a reason class and a description naming the problem.
 *
 * @example
 * throw refuse('expired', 'expired');
 */
export function refuse(
  refusal: RefusalClass,
  description: string,
  logDetail?: string,
): SubjectRefusal {
  return new SubjectRefusal(refusal, description, logDetail);
}
