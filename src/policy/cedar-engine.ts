import { createHash } from 'node:crypto';
import '../platform/v8-flags.js';
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  type CedarValueJson,
  type EntityJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Principal } from '../identity/principal.js';
import type { Intent } from '../intent/intent.js';
import { selectClaims, type PolicyClaim } from './agent-claims.js';
import type { Decision, ScopeDecision } from './decision.js';
import { PolicyLoadError, type LoadedPolicySet } from './load-policy-set.js';
import { readsTaskContext } from './reads-task-context.js';

/** What the task has done so far, as policy sees it. */
export interface TaskContext {
  readonly id: string;
  readonly purpose: string;
  readonly ageSeconds: number;
  readonly exchanges: number;
  readonly liveGrants: number;
}

/** A delegated exchange, as policy sees it (`context.delegation`, present only then). */
export interface DelegationContext {
  /** Actors in the chain, this one included (A -> B is 1). */
  readonly depth: number;
  /** Every id of the chain, the original subject first and this actor last. */
  readonly chain: readonly string[];
  /** The original subject. */
  readonly origin: string;
  /** The agent handing the work over: the parent token's holder. */
  readonly delegator: string;
  /** The scopes of the parent token (none acting for a person). */
  readonly parentScopes: readonly string[];
  /** The person acted for, when the chain started from a person's token. */
  readonly person?: string;
}

/** One decision request: who, what, and the task's live state. */
export interface DecisionInput {
  readonly principal: Principal;
  readonly intent: Intent;
  readonly task: TaskContext;
  /** Evaluation time (ms since epoch). */
  readonly now: number;
  readonly approved?: boolean;
  /** Set when the exchange is delegated; the principal is then the current actor. */
  readonly delegation?: DelegationContext;
}

/** What an engine evaluates with. */
export interface CedarEngineOptions {
  /** A validated policy set (from {@link loadPolicySet}). */
  readonly set: LoadedPolicySet;
  /** The claims the set's schema declares, copied from the subject token into the principal. */
  readonly claims?: readonly PolicyClaim[];
}

// Cedar keeps preparsed sets in wasm memory by name; each engine gets names of its own, so a
// new set is parsed beside the serving one and never half-replaces it. Cedar (4.13) has no call
// to drop a preparsed set: a replaced set stays in wasm memory for the life of the process.
// That costs memory per reload, and it is what keeps an engine valid after a reload for an
// exchange still deciding with it (src/policy/policy-snapshot.ts).
let generation = 0;

/**
 * Evaluates a pre-parsed Cedar policy set: one decision per requested scope, default deny.
 * The policy set and schema are parsed once; each call sends only the two entities and the
 * context that change per request.
 *
 * @example
 * const engine = new CedarEngine({ set: loadPolicySet(dir, catalogue) });
 * const decision = engine.decide({ principal, intent, task, now: Date.now() });
 */
export class CedarEngine {
  readonly #policySetId: string;
  readonly #schemaName: string;
  readonly #claims: readonly PolicyClaim[];
  /** The set this engine decides with (policy ids, origins), for operators' tools. */
  readonly set: LoadedPolicySet;
  /**
   * Whether a policy of the set may read `context.task`; when none does, the exchange need not
   * read the task's state before deciding (never false for a set that reads it).
   */
  readonly readsTaskContext: boolean;
  /** sha256 (hex) of the set's policies (by id, sorted) and schema: the audited policy version. */
  readonly version: string;

  constructor({ set, claims = [] }: CedarEngineOptions) {
    this.set = set;
    this.#claims = claims;
    this.readsTaskContext = readsTaskContext(set.policies);
    this.version = policySetVersion(set);
    generation += 1;
    this.#policySetId = `policies-${generation}`;
    this.#schemaName = `schema-${generation}`;
    const schema = preparseSchema(this.#schemaName, set.schema);
    if (schema.type === 'failure') throw new PolicyLoadError(schema.errors.map((e) => e.message));
    const policies = preparsePolicySet(this.#policySetId, { staticPolicies: { ...set.policies } });
    if (policies.type === 'failure')
      throw new PolicyLoadError(policies.errors.map((e) => e.message));
  }

  /** Decides every scope of the intent. */
  decide(input: DecisionInput): Decision {
    const principalUid = { type: 'Agent', id: input.principal.agentId };
    const resourceUid = { type: 'Resource', id: input.intent.resource.name };
    const entities = [agentEntity(input.principal, this.#claims), resourceEntity(input.intent)];
    const context = exchangeContext(input);
    const allowed: string[] = [];
    const denied: { scope: string; policyIds: string[] }[] = [];
    const scopes: ScopeDecision[] = [];
    const policyIds = new Set<string>();
    const errors: string[] = [];
    for (const scope of input.intent.scopes) {
      const answer = statefulIsAuthorized({
        principal: principalUid,
        action: { type: 'Action', id: scope },
        resource: resourceUid,
        context,
        entities,
        preparsedPolicySetId: this.#policySetId,
        preparsedSchemaName: this.#schemaName,
        validateRequest: true,
      });
      if (answer.type === 'failure') {
        errors.push(...answer.errors.map((e) => `${scope}: ${e.message}`));
        denied.push({ scope, policyIds: [] });
        scopes.push({ scope, decision: 'deny', policyIds: [] });
        continue;
      }
      const { decision, diagnostics } = answer.response;
      errors.push(...diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`));
      if (decision === 'allow') {
        allowed.push(scope);
        diagnostics.reason.forEach((id) => policyIds.add(id));
      } else {
        denied.push({ scope, policyIds: diagnostics.reason });
      }
      scopes.push({ scope, decision, policyIds: diagnostics.reason });
    }
    return { scopes, allowed, denied, policyIds: [...policyIds], errors };
  }
}

/** The version of a set: the same policies and schema give the same hash, whatever the files. */
function policySetVersion(set: LoadedPolicySet): string {
  const policies = Object.keys(set.policies)
    .sort()
    .map((id) => [id, set.policies[id]]);
  return createHash('sha256')
    .update(JSON.stringify([policies, set.schema]))
    .digest('hex');
}

function agentEntity(principal: Principal, claims: readonly PolicyClaim[]): EntityJson {
  return {
    uid: { type: 'Agent', id: principal.agentId },
    attrs: {
      id: principal.agentId,
      source: principal.source,
      ...(principal.trustDomain !== undefined ? { trust_domain: principal.trustDomain } : {}),
      ...(principal.issuer !== undefined ? { issuer: principal.issuer } : {}),
      path: [...(principal.path ?? [])],
      claims: selectClaims(principal.claims, claims),
    },
    parents: [],
  };
}

function resourceEntity(intent: Intent): EntityJson {
  const r = intent.resource;
  return {
    uid: { type: 'Resource', id: r.name },
    attrs: { name: r.name, audience: r.audience, kind: r.kind, sensitivity: r.sensitivity },
    parents: [],
  };
}

function exchangeContext(input: DecisionInput): Record<string, CedarValueJson> {
  const date = new Date(input.now);
  return {
    task: {
      id: input.task.id,
      purpose: input.task.purpose,
      age_seconds: input.task.ageSeconds,
      exchanges: input.task.exchanges,
      live_grants: input.task.liveGrants,
    },
    tier: input.intent.tier,
    targets: [...input.intent.targets],
    sensitivity: input.intent.sensitivity,
    time: { hour: date.getUTCHours(), weekday: date.getUTCDay() },
    approved: input.approved ?? false,
    ...(input.delegation
      ? {
          delegation: {
            depth: input.delegation.depth,
            chain: [...input.delegation.chain],
            origin: input.delegation.origin,
            delegator: input.delegation.delegator,
            parent_scopes: [...input.delegation.parentScopes],
            ...(input.delegation.person !== undefined ? { person: input.delegation.person } : {}),
          },
        }
      : {}),
  };
}
