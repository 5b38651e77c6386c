import { createHash } from 'node:crypto';
import '../platform/v8-flags.js';
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyClaim } from './agent-claims.js';
import { contextReads } from './context-paths.js';
import { cedarRequest, type CedarRequest } from './cedar-request.js';
import { UNOBSERVED, type CacheObserver } from '../platform/cache-observer.js';
import { LruMap } from '../platform/lru-map.js';
import type { DecisionInput } from './decision-input.js';
import type { Decision, ScopeDecision } from './decision.js';
import { contextKey, decisionKeyPrefix, type ContextKey } from './decision-key.js';
import { PolicyLoadError, type LoadedPolicySet } from './load-policy-set.js';
import { readsTaskContext } from './reads-task-context.js';
import { taskProbes, type TaskProbe } from './task-probes.js';
import { isDeepStrictEqual } from 'node:util';

export type { DecisionInput, DelegationContext, TaskContext } from './decision-input.js';

/** What an engine evaluates with. */
export interface CedarEngineOptions {
  /** A validated policy set (from {@link loadPolicySet}). */
  readonly set: LoadedPolicySet;
  /** The claims the set's schema declares, copied from the subject token into the principal. */
  readonly claims?: readonly PolicyClaim[];
  /**
   * Scope decisions kept, keyed on what the set reads (`policy.decision_cache_size`); 0 or
   * absent: none, every scope goes to Cedar.
   */
  readonly decisionCacheSize?: number;
  /** Told of each scope looked up in the cache and each decision its bound pushes out. */
  readonly decisionCacheObserver?: CacheObserver;
}

/** One scope's answer as Cedar gave it; frozen, so a cached one cannot be changed by a caller. */
interface ScopeAnswer {
  readonly decision: ScopeDecision;
  /** Cedar refused the request itself (not cached: every such request asks Cedar again). */
  readonly failed: boolean;
  /** Errors, each prefixed as the {@link Decision} lists them. */
  readonly errors: readonly string[];
}

/** The cache of one engine and how it keys the context. */
interface EngineCache {
  readonly answers: LruMap<ScopeAnswer>;
  readonly contextKey: ContextKey;
  readonly observer: CacheObserver;
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
  readonly #cache: EngineCache | undefined;
  /** Task states to decide with instead of reading the task (taskProbes); only with a cache. */
  readonly #probes: readonly TaskProbe[] | undefined;
  /** The set this engine decides with (policy ids, origins), for operators' tools. */
  readonly set: LoadedPolicySet;
  /**
   * Whether a policy of the set may read `context.task`; when none does, the exchange need not
   * read the task's state before deciding (never false for a set that reads it).
   */
  readonly readsTaskContext: boolean;
  /** sha256 (hex) of the set's policies (by id, sorted) and schema: the audited policy version. */
  readonly version: string;

  constructor({
    set,
    claims = [],
    decisionCacheSize = 0,
    decisionCacheObserver = UNOBSERVED,
  }: CedarEngineOptions) {
    this.set = set;
    this.#claims = claims;
    const reads = contextReads(set.policies);
    this.#cache =
      decisionCacheSize > 0
        ? {
            answers: new LruMap(decisionCacheSize, decisionCacheObserver),
            contextKey: contextKey(reads),
            observer: decisionCacheObserver,
          }
        : undefined;
    // Without a cache each probe would be a Cedar call: reading the task costs less.
    this.#probes = this.#cache ? taskProbes(reads) : undefined;
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

  /** Scope decisions the cache holds now (0 without a cache). */
  get cachedDecisions(): number {
    return this.#cache?.answers.size ?? 0;
  }

  /**
   * Decides every scope of the intent. With a cache, a scope asked again with the same values
   * for everything the set reads (agent, resource, scope, the context paths it reads) gets the
   * answer Cedar gave the first time; each scope is then a hit or a miss to the cache's observer.
   */
  decide(input: DecisionInput): Decision {
    const request = cedarRequest(input, this.#claims);
    const cache = this.#cache;
    const prefix = cache && decisionKeyPrefix(input, request, cache.contextKey);
    const allowed: string[] = [];
    const denied: { scope: string; policyIds: readonly string[] }[] = [];
    const scopes: ScopeDecision[] = [];
    const policyIds = new Set<string>();
    const errors: string[] = [];
    for (const scope of input.intent.scopes) {
      const key = prefix === undefined ? undefined : `${prefix}${scope}`;
      let answer = key === undefined ? undefined : cache!.answers.get(key);
      if (answer !== undefined) {
        cache!.observer.hit();
      } else {
        // A request the cache may not answer (no key) asks Cedar too: a miss as well.
        cache?.observer.miss();
        answer = this.#ask(scope, request);
        if (key !== undefined && !answer.failed) cache!.answers.set(key, answer);
      }
      const { decision } = answer;
      errors.push(...answer.errors);
      if (decision.decision === 'allow') {
        allowed.push(scope);
        decision.policyIds.forEach((id) => policyIds.add(id));
      } else {
        denied.push(Object.freeze({ scope, policyIds: decision.policyIds }));
      }
      scopes.push(decision);
    }
    return Object.freeze({
      scopes: Object.freeze(scopes),
      allowed: Object.freeze(allowed),
      denied: Object.freeze(denied),
      policyIds: Object.freeze([...policyIds]),
      errors: Object.freeze(errors),
    });
  }

  /**
   * The decision of `input` if it is the same whatever the state of its task (its exchanges,
   * age and live grants), so the exchange need not read the task first; undefined unless the
   * set reads the task through integer comparisons alone (taskProbes) and every probe decides
   * exactly as the others (deciding policy ids and errors included). Undefined without a
   * decision cache.
   */
  decideWithoutTask(input: DecisionInput): Decision | undefined {
    const probes = this.#probes;
    if (probes === undefined) return undefined;
    if (probes.length === 0) return this.decide(input);
    const first = this.decide({ ...input, task: { ...input.task, ...probes[0] } });
    for (let i = 1; i < probes.length; i += 1) {
      const other = this.decide({ ...input, task: { ...input.task, ...probes[i] } });
      if (!isDeepStrictEqual(other, first)) return undefined;
    }
    return first;
  }

  /**
   * One scope, asked of Cedar. Cedar lists deciding policies and errors in no fixed order (a
   * hash set's, which varies from call to call); sorted, the same request always gets the
   * same answer, cached or not.
   */
  #ask(scope: string, request: CedarRequest): ScopeAnswer {
    const answer = statefulIsAuthorized({
      ...request,
      action: { type: 'Action', id: scope },
      preparsedPolicySetId: this.#policySetId,
      preparsedSchemaName: this.#schemaName,
      validateRequest: true,
    });
    if (answer.type === 'failure') {
      return scopeAnswer(
        { scope, decision: 'deny', policyIds: [] },
        answer.errors.map((e) => `${scope}: ${e.message}`).sort(),
        true,
      );
    }
    const { decision, diagnostics } = answer.response;
    return scopeAnswer(
      { scope, decision, policyIds: [...diagnostics.reason].sort() },
      diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).sort(),
      false,
    );
  }
}

function scopeAnswer(decision: ScopeDecision, errors: string[], failed: boolean): ScopeAnswer {
  Object.freeze(decision.policyIds);
  return Object.freeze({
    decision: Object.freeze(decision),
    failed,
    errors: Object.freeze(errors),
  });
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
