import { refuse } from './subject-refusal.js';

/** Header members that point at keys or change how the token is processed: never honoured. */
const FORBIDDEN = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'b64', 'zip', 'enc', 'cty'] as const;

/** Longest `kid` looked up; real ones are thumbprints or short names. */
const MAX_KID_LENGTH = 256;

/** What a header may carry for one kind of subject token. */
export interface HeaderRules {
  /** Member names allowed at all. */
  readonly allowed: ReadonlySet<string>;
  readonly algorithms: readonly string[];
  /** Allowed `typ` values, when `typ` is constrained (JWT-SVID: JWT or JOSE). */
  readonly typ?: readonly string[];
}

/**
 * Checks a JWS header against an allow-list before any key is looked up, so that no member can
 * bring its own key (`jwk`, `jku`, `x5u`, `x5c`) or change the processing (`crit`, `b64`).
 * Returns the `alg` and `kid` to verify with.
 */
export function checkHeader(
  header: Readonly<Record<string, unknown>>,
  rules: HeaderRules,
): { alg: string; kid: string } {
  for (const name of FORBIDDEN) {
    if (Object.hasOwn(header, name))
      throw refuse('header_not_allowed', `header "${name}" is not allowed`);
  }
  for (const name of Object.keys(header)) {
    // Not echoed: an unknown name is attacker-chosen text.
    if (!rules.allowed.has(name))
      throw refuse('header_not_allowed', 'header has a member that is not allowed');
  }
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string' || !rules.algorithms.includes(alg))
    throw refuse('algorithm_not_allowed', 'algorithm not allowed');
  if (rules.typ && typ !== undefined && !rules.typ.includes(typ as string))
    throw refuse('header_not_allowed', `typ is not ${rules.typ.join(' or ')}`);
  if (typeof kid !== 'string' || kid.length === 0)
    throw refuse('invalid_kid', 'kid is missing or not a string');
  if (kid.length > MAX_KID_LENGTH) throw refuse('invalid_kid', 'kid is too long');
  return { alg, kid };
}
