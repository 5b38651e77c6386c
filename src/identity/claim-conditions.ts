/** One condition on a claim as written in config: an exact value, or an anchored glob. */
export type ClaimConditionInput = string | { readonly glob: string };

/** A compiled condition: the claim path and a test of its value. */
export interface ClaimCondition {
  readonly claim: string;
  readonly test: (value: unknown) => boolean;
}

/**
 * Reads a claim by a `/`-separated path, so nested claims such as Kubernetes'
 * `kubernetes.io/serviceaccount/name` are reachable (claim names may contain dots).
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('/')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Compiles a glob into an anchored regular expression: `*` is any run of characters, `?` one
 * character, everything else literal. Operators never write regular expressions, so no
 * pattern can be unanchored or backtrack badly.
 *
 * @example
 * globToRegExp('repo:octo-org/*:ref:refs/heads/main').test('repo:octo-org/app:ref:refs/heads/main'); // true
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const c of glob) {
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/**
 * Compiles the `claims:` conditions of an issuer. A claim passes when it is a string equal to
 * one of the listed values or matching one of the globs; a missing or non-string claim fails.
 */
export function compileClaimConditions(
  conditions: Readonly<Record<string, ClaimConditionInput | readonly ClaimConditionInput[]>>,
): ClaimCondition[] {
  return Object.entries(conditions).map(([claim, spec]) => {
    const alternatives = (Array.isArray(spec) ? spec : [spec]) as ClaimConditionInput[];
    const tests = alternatives.map((alt) => {
      if (typeof alt === 'string') return (v: string) => v === alt;
      const re = globToRegExp(alt.glob);
      return (v: string) => re.test(v);
    });
    return {
      claim,
      test: (value: unknown) => typeof value === 'string' && tests.some((t) => t(value)),
    };
  });
}
