import { MandateError, isMandateError } from '../errors.js';
import type { GrantQueries } from '../grants/grant-queries.js';
import type { Principal } from '../identity/principal.js';
import type { SubjectVerifier } from '../identity/verify-subject-token.js';
import type { Intent } from '../intent/intent.js';
import type { DelegationContext } from '../policy/cedar-engine.js';
import {
  actorsOf,
  type OwnTokenClaims,
  type OwnTokenVerifier,
} from '../revocation/verify-own-token.js';
import type { TokenDelegation } from '../tokens/mint-token.js';

/** A delegated exchange as verified: who acts now, for whom, and the parent token it narrows. */
export interface Delegated {
  /** The current actor: the agent the new grant is recorded for, and policy's principal. */
  readonly actor: Principal;
  /** The parent token's claims (a live token of this broker); absent acting for a person. */
  readonly parent?: OwnTokenClaims;
  /** No token of the delegation outlives this (epoch s): the parent's or the person's `exp`. */
  readonly notAfter: number;
  /** What the new token says of the chain (`sub`, `act`, `lineage`). */
  readonly token: TokenDelegation;
  /** What policy sees of the chain. */
  readonly context: DelegationContext;
  /**
   * The actor is already in the chain (A -> B -> A): refused by the exchange, and counted by
   * the loop rules as a trip of `delegation_cycle`.
   */
  readonly cycle: boolean;
}

/** What {@link delegatedFrom} checks with. */
export interface DelegationOptions {
  readonly verifySubject: SubjectVerifier;
  readonly ownTokens: Pick<OwnTokenVerifier, 'verify'>;
  readonly grants: Pick<GrantQueries, 'getGrant'>;
  /** Most actors a chain may hold (A -> B -> C is 2). */
  readonly maxDepth: number;
}

/**
 * Verifies a delegated exchange (RFC 8693 section 2.1): the actor token names the current
 * actor, the subject token is a live access token of this broker (its grant and every
 * ancestor's grant live). Refuses, with `invalid_request` naming why, an actor token that does
 * not verify, a parent not live, a chain deeper than `maxDepth` and an actor the parent's
 * `may_act` does not name; an actor already in the chain is marked `cycle` for the exchange.
 */
export async function delegatedFrom(
  subject: { token: string; type: string },
  actorToken: { token: string; type: string },
  o: DelegationOptions,
): Promise<Delegated> {
  const actor = await verifyActor(actorToken, o.verifySubject);
  const parent = await o.ownTokens.verify(subject.token);
  if (!parent) return forPerson(subject, actor, o);
  const lookup = await o.grants.getGrant(parent.client_id, parent.jti);
  if (!lookup?.live || lookup.grant.taskId !== parent.task_id)
    throw new MandateError(
      'invalid_request',
      'subject_token rejected: its grant, its task or an ancestor of it is no longer live',
    );
  const earlier = parent.act ? (actorsOf(parent.act) ?? []) : [];
  // the chain, origin first: the original subject, then each actor in the order they acted
  const chain = [parent.sub, ...[...earlier].reverse()];
  const depth = earlier.length + 1;
  if (depth > o.maxDepth)
    throw new MandateError(
      'invalid_request',
      `actor_token rejected: the delegation chain would be ${depth} deep; at most ${o.maxDepth} (delegation.max_depth)`,
    );
  if (parent.may_act && !parent.may_act.sub.some((p) => actorMatches(actor.agentId, p)))
    throw new MandateError(
      'invalid_request',
      `actor_token rejected: ${actor.agentId} is not named in the subject token's may_act`,
    );
  return {
    actor,
    parent,
    notAfter: parent.exp,
    token: {
      subject: parent.sub,
      actors: [actor.agentId, ...earlier],
      lineage: [
        ...(parent.lineage ?? []),
        { client_id: parent.client_id, task: parent.task_id, jti: parent.jti, iat: parent.iat },
      ],
    },
    cycle: chain.includes(actor.agentId),
    context: {
      depth,
      chain: [...chain, actor.agentId],
      origin: parent.sub,
      delegator: parent.client_id,
      parentScopes: parent.scope.split(' ').filter((s) => s.length > 0),
    },
  };
}

/**
 * On behalf of a person: the subject token is a person's token from an OIDC issuer with a
 * `person_id` template; the new token's `sub` is the person, `act` and `client_id` the agent.
 * Anything else as subject of a delegation is refused.
 */
async function forPerson(
  subject: { token: string; type: string },
  actor: Principal,
  o: DelegationOptions,
): Promise<Delegated> {
  const notOurs = new MandateError(
    'invalid_request',
    "subject_token rejected: a delegation starts from an unexpired access token of this broker, or a person's token from an issuer with person_id",
  );
  let person: Principal;
  try {
    person = await o.verifySubject(subject.token, subject.type);
  } catch (err) {
    if (isMandateError(err) && err.code === 'invalid_request') throw notOurs;
    throw err;
  }
  if (person.personId === undefined) throw notOurs;
  return {
    actor,
    notAfter: person.expiresAt,
    token: {
      subject: person.personId,
      actors: [actor.agentId],
      lineage: [],
      person: person.personId,
    },
    context: {
      depth: 1,
      chain: [person.personId, actor.agentId],
      origin: person.personId,
      delegator: person.personId,
      parentScopes: [],
      person: person.personId,
    },
    cycle: false,
  };
}

/** The refusal of a cycle when no loop rule counts it. */
export function cycleRefusal(actor: string): MandateError {
  return new MandateError(
    'invalid_request',
    `actor_token rejected: ${actor} is already in the delegation chain (a cycle)`,
  );
}

/**
 * Refuses a request wider than the token it delegates from: a `requested_ttl` past its end
 * (`invalid_request`), another audience (`invalid_target`) or a scope the parent does not hold
 * (`invalid_scope`), each named. A lifetime not asked for is cut to the parent's end instead.
 */
export function assertNarrower(
  intent: Intent,
  delegated: Delegated,
  asked: { ttlSeconds: number | undefined; nowSeconds: number },
): void {
  const left = delegated.notAfter - asked.nowSeconds;
  if (asked.ttlSeconds !== undefined && asked.ttlSeconds > left)
    throw new MandateError(
      'invalid_request',
      `requested_ttl ${asked.ttlSeconds} is longer than the ${Math.max(0, left)}s left of the subject token`,
    );
  const parent = delegated.parent;
  if (!parent) return;
  if (intent.resource.audience !== parent.aud)
    throw new MandateError(
      'invalid_target',
      `audience ${intent.resource.audience} is wider than the subject token's (${parent.aud})`,
    );
  const held = new Set(parent.scope.split(' '));
  const wider = intent.scopes.filter((s) => !held.has(s));
  if (wider.length > 0)
    throw new MandateError(
      'invalid_scope',
      `scopes wider than the subject token's: ${wider.join(' ')}`,
      { details: { refused_scopes: wider } },
    );
}

/** Whether `agentId` is `pattern`, or starts with it when it ends in `*`. */
export function actorMatches(agentId: string, pattern: string): boolean {
  return pattern.endsWith('*') ? agentId.startsWith(pattern.slice(0, -1)) : agentId === pattern;
}

/** The actor's own token, verified as a subject token is; refusals name `actor_token`. */
async function verifyActor(
  actorToken: { token: string; type: string },
  verifySubject: SubjectVerifier,
): Promise<Principal> {
  try {
    return await verifySubject(actorToken.token, actorToken.type);
  } catch (err) {
    if (isMandateError(err) && err.code === 'invalid_request')
      throw new MandateError(
        'invalid_request',
        err.message.replace(/^subject_token(_type)?/, 'actor_token$1'),
      );
    throw err;
  }
}
