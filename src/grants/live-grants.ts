import type { GrantQueries } from './grant-queries.js';

/** One grant a token depends on: its holder, its task and its id. */
export interface GrantRef {
  readonly agentId: string;
  readonly taskId: string;
  readonly jti: string;
}

/**
 * Whether every grant named is live: present, of the task named, the task active. A token bound
 * to a grant and to its ancestors' (a lineage) is live only while all of them are. The lookups
 * run at once; a store failure rejects (`temporarily_unavailable`), never reads as live.
 *
 * @example
 * if (!(await allGrantsLive(store, [bound, ...ancestors]))) return { active: false };
 */
export async function allGrantsLive(
  store: Pick<GrantQueries, 'getGrant'>,
  refs: readonly GrantRef[],
): Promise<boolean> {
  const lookups = await Promise.all(refs.map((r) => store.getGrant(r.agentId, r.jti)));
  return lookups.every((l, i) => l !== null && l.live && l.grant.taskId === refs[i]!.taskId);
}
