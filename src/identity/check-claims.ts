import { refuse } from './subject-refusal.js';

/** The time and audience rules a subject token's claims must meet. */
export interface ClaimRules {
  /** Epoch seconds. */
  readonly now: number;
  readonly clockTolerance: number;
  /** Furthest `exp` accepted, as seconds from now: a token valid for a year is a stolen key. */
  readonly maxLifetimeSeconds: number;
  readonly audiences: readonly string[];
  readonly required: readonly string[];
}

/**
 * Checks the required claims, `exp`, `nbf`, `iat`, `sub` and `aud` on the decoded claims,
 * before the signature, so refusals name the precise problem and an expired token costs no
 * crypto; the signature is then checked over the same bytes (verify-jws.ts), so these are the
 * claims checked. Beyond RFC 7519: a bound on `exp`, a future `iat`, and a single-valued `aud`
 * (a token for several audiences could be replayed at another).
 */
export function checkClaims(payload: Readonly<Record<string, unknown>>, rules: ClaimRules): void {
  for (const name of rules.required) {
    if (payload[name] === undefined) throw refuse('missing_claim', `${name} is missing`);
  }
  checkTimes(payload, rules);
  const { sub, aud } = payload;
  if (typeof sub !== 'string' || sub.length === 0)
    throw refuse('invalid_claim', 'sub is not a non-empty string');
  const audience = singleAudience(aud);
  if (!rules.audiences.includes(audience)) throw refuse('wrong_audience', 'wrong audience');
}

/**
 * The time claims alone: `exp` not past and not too far, `nbf` and `iat` not in the future.
 * Also run on every use of a cached verified token, since time moves on.
 */
export function checkTimes(
  payload: Readonly<Record<string, unknown>>,
  rules: Pick<ClaimRules, 'now' | 'clockTolerance' | 'maxLifetimeSeconds'>,
): void {
  const { exp, nbf, iat } = payload;
  const tol = rules.clockTolerance;
  if (!isTime(exp)) throw refuse('invalid_claim', 'exp is not a NumericDate');
  if (exp <= rules.now - tol) throw refuse('expired', 'expired');
  if (exp > rules.now + rules.maxLifetimeSeconds + tol)
    throw refuse('lifetime_too_long', `exp is more than ${rules.maxLifetimeSeconds}s away`);
  if (nbf !== undefined) {
    if (!isTime(nbf)) throw refuse('invalid_claim', 'nbf is not a NumericDate');
    if (nbf > rules.now + tol) throw refuse('not_yet_valid', 'not yet valid (nbf)');
  }
  if (iat !== undefined) {
    if (!isTime(iat)) throw refuse('invalid_claim', 'iat is not a NumericDate');
    if (iat > rules.now + tol) throw refuse('issued_in_future', 'issued in the future (iat)');
  }
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function singleAudience(aud: unknown): string {
  const values = Array.isArray(aud) ? (aud as unknown[]) : [aud];
  if (values.length !== 1)
    throw refuse(
      'wrong_audience',
      values.length === 0 ? 'aud is empty' : 'aud names more than one audience',
    );
  const [value] = values;
  if (typeof value !== 'string' || value.length === 0)
    throw refuse('wrong_audience', 'aud is empty or not a string');
  return value;
}
