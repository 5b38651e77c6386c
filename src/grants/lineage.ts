import type { GrantLookup } from './grant-records.js';
import { allGrantsLive } from './live-grants.js';

/**
 * The lookup of a grant, or null when it is delegated and an ancestor's grant is no longer
 * live: revoking, completing or halting anything up the chain (or revoking or blocking an
 * agent in it) kills every descendant at once, with no write to them. `get` reads one grant
 * as stored, without looking at its own lineage (the lineage lists every ancestor).
 */
export async function withLiveLineage(
  lookup: GrantLookup | null,
  get: (agentId: string, jti: string) => Promise<GrantLookup | null>,
): Promise<GrantLookup | null> {
  const lineage = lookup?.grant.delegation?.lineage;
  if (!lookup || !lineage || lineage.length === 0) return lookup;
  const ancestors = lineage.map((a) => ({ agentId: a.client_id, taskId: a.task, jti: a.jti }));
  return (await allGrantsLive({ getGrant: get }, ancestors)) ? lookup : null;
}
