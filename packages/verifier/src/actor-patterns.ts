/** A compiled `allowedActors` list: tells whether an agent id may act for a token holder. */
export type ActorMatcher = (agentId: string) => boolean;

/**
 * Compiles exact agent ids and patterns ending in `/*`, where `*` matches one path segment or
 * more (`spiffe://td/agent/reviewers/*` matches `.../reviewers/ana` and `.../reviewers/eu/ana`,
 * not `.../reviewers` itself), as the broker reads `may_act`. Any other `*` is a configuration
 * mistake and throws at once rather than matching something unexpected.
 *
 * @example
 * const allowed = compileActorPatterns(['spiffe://td/agent/summarizer', 'spiffe://td/agent/reviewers/*']);
 * allowed('spiffe://td/agent/reviewers/ana'); // true
 */
export function compileActorPatterns(patterns: readonly string[]): ActorMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    const star = pattern.indexOf('*');
    if (star === -1 && pattern !== '') exact.add(pattern);
    else if (star === pattern.length - 1 && pattern.endsWith('/*') && pattern.length > 2)
      prefixes.push(pattern.slice(0, -1));
    else
      throw new TypeError(
        `allowedActors: "${pattern}" is neither an agent id nor a pattern ending in "/*"`,
      );
  }
  return (agentId) =>
    exact.has(agentId) ||
    prefixes.some(
      (prefix) =>
        agentId.startsWith(prefix) &&
        agentId
          .slice(prefix.length)
          .split('/')
          .every((segment) => segment !== ''),
    );
}
