import { TokenMalformed } from './errors.js';

/**
 * One ancestor grant of a delegated token (`lineage` claim): revoking it, its task or its agent
 * revokes every token delegated from it.
 */
export interface LineageEntry {
  /** `client_id`: the agent that held the ancestor grant. */
  readonly agentId: string;
  /** `task`: the ancestor grant's task id. */
  readonly taskId: string;
  /** `jti`: the ancestor grant's id. */
  readonly grantId: string;
  /** `iat`: when the ancestor token was issued, epoch seconds. */
  readonly issuedAt: number;
}

/** The delegation claims of a token, in the shapes an API uses. */
export interface DelegationClaims {
  /** Acting agents from `act`, current actor first (A -> B -> C gives `[C, B]`). */
  readonly actors: readonly string[];
  /** Ids and patterns from `may_act.sub`, when the token carries `may_act`. */
  readonly mayAct: readonly string[] | undefined;
  /** Ancestor grants from `lineage`, root first, parent last (empty when not delegated). */
  readonly lineage: readonly LineageEntry[];
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `act` (RFC 8693 section 4.1), `may_act` (section 4.4) and Mandate's `lineage`; a claim
 * present in any other shape makes the token malformed, never silently undelegated.
 */
export function readDelegationClaims(payload: Record<string, unknown>): DelegationClaims {
  return {
    actors: readActors(payload.act),
    mayAct: readMayAct(payload.may_act),
    lineage: readLineage(payload.lineage),
  };
}

/** `act` nests earlier actors inside the current one: walk it outermost first. */
function readActors(act: unknown): string[] {
  const actors: string[] = [];
  for (let level = act; level !== undefined; level = (level as { act?: unknown }).act) {
    if (!isObject(level) || !nonEmpty(level.sub))
      throw new TokenMalformed('the "act" claim is not a chain of objects each with a "sub"');
    actors.push(level.sub);
  }
  return actors;
}

function readMayAct(mayAct: unknown): string[] | undefined {
  if (mayAct === undefined) return undefined;
  const sub = isObject(mayAct) ? mayAct.sub : undefined;
  if (nonEmpty(sub)) return [sub];
  if (Array.isArray(sub) && sub.every(nonEmpty)) return sub;
  throw new TokenMalformed('the "may_act" claim has no "sub" list of agent ids');
}

function readLineage(lineage: unknown): LineageEntry[] {
  if (lineage === undefined) return [];
  if (!Array.isArray(lineage))
    throw new TokenMalformed('the "lineage" claim is not a list of grants');
  return lineage.map(readLineageEntry);
}

/** Reads one `{client_id, task, jti, iat}`: a lineage entry, or a transaction token's grant. */
export function readLineageEntry(value: unknown): LineageEntry {
  if (
    !isObject(value) ||
    !nonEmpty(value.client_id) ||
    !nonEmpty(value.task) ||
    !nonEmpty(value.jti) ||
    typeof value.iat !== 'number' ||
    !Number.isFinite(value.iat)
  )
    throw new TokenMalformed('a grant in the token is not {client_id, task, jti, iat}');
  return { agentId: value.client_id, taskId: value.task, grantId: value.jti, issuedAt: value.iat };
}
