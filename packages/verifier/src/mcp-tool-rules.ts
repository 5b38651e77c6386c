import type { VerifiedToken } from './check-access-token.js';

/** What one MCP tool needs of the token that calls it. */
export interface McpToolRule {
  /** The scope (or every scope of a list) the tool needs: a read, write or destructive scope. */
  readonly scope: string | readonly string[];
  /**
   * The argument naming what the tool acts on (a ticket id, a file path): a string, or a list of
   * strings, each of which must be among the token's `targets`.
   */
  readonly target?: string;
}

/** Every tool the server exposes, by name; a tool left out is hidden and refused. */
export type McpToolRules = Readonly<Record<string, McpToolRule>>;

/** The scopes a rule needs, as a list. */
export function scopesOf(rule: McpToolRule): readonly string[] {
  return typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
}

/** The scopes of `rule` the token lacks (empty when it holds them all). */
export function missingScopes(token: VerifiedToken, rule: McpToolRule): readonly string[] {
  return scopesOf(rule).filter((scope) => !token.scopes.includes(scope));
}

/**
 * Whether `tools/list` shows the tool to this token: declared, every scope held, and, for a tool
 * that acts on a target, a token that names targets (one naming none may call it on nothing).
 */
export function toolVisible(token: VerifiedToken, rules: McpToolRules, name: string): boolean {
  const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
  if (!rule || missingScopes(token, rule).length > 0) return false;
  return rule.target === undefined || token.targets.length > 0;
}

/**
 * Why this token may not make this `tools/call`, or `undefined` when it may. Fails closed: an
 * undeclared tool, a missing or malformed target argument, and a token naming no targets are
 * refusals.
 */
export function callRefusal(
  token: VerifiedToken,
  rules: McpToolRules,
  name: string,
  args: unknown,
): string | undefined {
  const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
  if (!rule) return `the tool ${name} is not declared to Mandate, so no token may call it`;
  const missing = missingScopes(token, rule);
  if (missing.length > 0) return `the tool ${name} needs the scope ${missing.join(' ')}`;
  if (rule.target === undefined) return undefined;
  const value =
    typeof args === 'object' && args !== null
      ? (args as Record<string, unknown>)[rule.target]
      : undefined;
  const named =
    typeof value === 'string'
      ? [value]
      : Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')
        ? value
        : undefined;
  if (!named) return `the tool ${name} needs its target in the argument "${rule.target}"`;
  if (token.targets.length === 0)
    return `the task named no targets, so the tool ${name} may act on none`;
  const outside = named.filter((target) => !token.targets.includes(target));
  if (outside.length > 0)
    return `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among the targets of this task`;
  return undefined;
}
