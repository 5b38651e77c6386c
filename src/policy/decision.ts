/** How policy answered for one scope, and which policies made it so. */
export interface ScopeDecision {
  readonly scope: string;
  readonly decision: 'allow' | 'deny';
  /** Ids of the deciding policies: the permits of an allow, the forbids of a deny (none: default deny). */
  readonly policyIds: readonly string[];
}

/** The outcome of evaluating policy for every scope of one exchange. */
export interface Decision {
  /** Every requested scope with its own answer, in request order. */
  readonly scopes: readonly ScopeDecision[];
  /** Scopes that policy allows. */
  readonly allowed: readonly string[];
  /** Scopes that policy refuses, each with the policy ids that decided it (empty: default deny). */
  readonly denied: readonly { readonly scope: string; readonly policyIds: readonly string[] }[];
  /** Ids of the policies that decided the allowed scopes. */
  readonly policyIds: readonly string[];
  /** Evaluation errors (policy id and message); an erroring policy does not apply. */
  readonly errors: readonly string[];
}
