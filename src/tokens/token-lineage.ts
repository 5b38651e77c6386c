// The delegation claims of an access token as a transaction token carries them on: `act`
// (RFC 8693 section 4.1) and `lineage` (the ancestors' grants). Read generically: whatever
// minted them, a transaction token copies the lineage and names the chain.

/** One ancestor's grant in a token's `lineage`, root first, parent last. */
export interface LineageEntry {
  readonly client_id: string;
  readonly task: string;
  readonly jti: string;
  /** Epoch seconds the ancestor's token was issued. */
  readonly iat: number;
}

/** Nested `act` claims deeper than this are not a chain any broker mints: refused. */
const MAX_CHAIN = 16;

/**
 * The `lineage` claim, or undefined when absent; null when present but malformed (a token of
 * ours never carries one, so such a token is refused rather than read partly).
 */
export function parseLineage(value: unknown): readonly LineageEntry[] | undefined | null {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_CHAIN) return null;
  const entries: LineageEntry[] = [];
  for (const item of value as unknown[]) {
    const e = item as Partial<Record<keyof LineageEntry, unknown>> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.client_id !== 'string' ||
      typeof e.task !== 'string' ||
      typeof e.jti !== 'string' ||
      typeof e.iat !== 'number'
    )
      return null;
    entries.push({ client_id: e.client_id, task: e.task, jti: e.jti, iat: e.iat });
  }
  return entries;
}

/**
 * The delegation chain of a token: the original subject first, then each actor in the order
 * they acted, the current actor (the outermost `act`) last; `[sub]` when not delegated. Null
 * when `act` is malformed.
 */
export function actorChain(sub: string, act: unknown): readonly string[] | null {
  const actors: string[] = [];
  let level: unknown = act;
  while (level !== undefined) {
    if (typeof level !== 'object' || level === null) return null;
    const a = level as { sub?: unknown; act?: unknown };
    if (typeof a.sub !== 'string') return null;
    if (actors.length >= MAX_CHAIN) return null;
    actors.push(a.sub);
    level = a.act;
  }
  // Outermost first in the claim; the chain reads in the order they acted.
  return [sub, ...actors.reverse()];
}
