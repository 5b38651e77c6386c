import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/config/defaults.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { CedarEngine, type DecisionInput } from '../../src/policy/cedar-engine.js';
import { LivePolicy } from '../../src/policy/live-policy.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { EXAMPLE_POLICY_DIR, quietLogger } from '../support/test-broker.js';
import { cacheCounts, scrapeRegistry } from '../metrics/exposition.js';
import {
  agent,
  catalogue,
  exampleSchema,
  intent,
  noon,
  policyDir,
  startLivePolicy,
  task,
} from './policy-fixtures.js';

const BUDGET = `
@id("reads") permit (principal, action in Action::"read", resource);
@id("budget") forbid (principal, action, resource) when { context.task.exchanges >= 20 };
@id("office-hours") forbid (principal, action, resource) when { context.time.hour < 6 };
`;
const READ_ALL = '@id("reads") permit (principal, action in Action::"read", resource);';
const input: DecisionInput = {
  principal: agent(['agent', 'research']),
  intent: intent('tickets', ['tickets:read']),
  task,
  now: noon,
};

function engines(policies: string, decisionCacheSize = 100) {
  const set = loadPolicySet(policyDir({ 'p.cedar': policies }), catalogue);
  return {
    cached: new CedarEngine({ set, decisionCacheSize }),
    plain: new CedarEngine({ set }),
  };
}

describe('CedarEngine with a decision cache', () => {
  it('answers a request that differs only in what the set does not read from the cache', () => {
    const { cached, plain } = engines(BUDGET);
    const first = cached.decide(input);
    expect(first.allowed).toEqual(['tickets:read']);
    const other: DecisionInput = {
      ...input,
      intent: { ...input.intent, purpose: 'another', targets: ['x'] },
      task: { ...task, id: 'T-2', purpose: 'another', ageSeconds: 99, liveGrants: 3 },
      now: noon + 59 * 60_000, // the same hour
      approved: true,
    };
    expect(cached.decide(other)).toEqual(plain.decide(other));
    expect(cached.cachedDecisions).toBe(1);
  });

  it('decides afresh when a value the set reads changes', () => {
    const { cached, plain } = engines(BUDGET);
    expect(cached.decide(input).allowed).toEqual(['tickets:read']);
    const spent = { ...input, task: { ...task, exchanges: 20 } };
    expect(cached.decide(spent)).toEqual(plain.decide(spent));
    expect(cached.decide(spent).denied).toEqual([{ scope: 'tickets:read', policyIds: ['budget'] }]);
    const night = { ...input, now: Date.UTC(2026, 10, 25, 3) };
    expect(cached.decide(night).denied).toEqual([
      { scope: 'tickets:read', policyIds: ['office-hours'] },
    ]);
    const other = { ...input, principal: agent(['agent', 'triage']) };
    expect(cached.decide(other).allowed).toEqual(['tickets:read']);
    expect(cached.cachedDecisions).toBe(4);
  });

  it('keys each scope on its own, so a scope asked before is not asked again', () => {
    const { cached, plain } = engines(BUDGET);
    cached.decide(input);
    const both = { ...input, intent: intent('tickets', ['tickets:read', 'tickets:write']) };
    expect(cached.decide(both)).toEqual(plain.decide(both));
    expect(cached.cachedDecisions).toBe(2);
  });

  it('returns the decision Cedar gives, deciding policies and errors included, frozen', () => {
    const set = loadPolicySet(EXAMPLE_POLICY_DIR, catalogue);
    const cached = new CedarEngine({ set, decisionCacheSize: 100 });
    const plain = new CedarEngine({ set });
    const triage = {
      ...input,
      principal: agent(['agent', 'triage']),
      intent: intent('tickets', ['tickets:read', 'tickets:write', 'tickets:delete']),
    };
    const expected = plain.decide(triage);
    expect(cached.decide(triage)).toEqual(expected);
    const again = cached.decide(triage);
    expect(again).toEqual(expected);
    expect(again.allowed).toEqual(['tickets:read', 'tickets:write']);
    expect(again.denied).toEqual([
      {
        scope: 'tickets:delete',
        policyIds: expect.arrayContaining([
          'destructive-needs-approval',
          'triage-never-deletes',
        ]) as string[],
      },
    ]);
    expect(() => (again.allowed as string[]).push('tickets:delete')).toThrow(TypeError);
    expect(() => (again.scopes[0]!.policyIds as string[]).push('x')).toThrow(TypeError);
    expect(cached.decide(triage)).toEqual(expected);
  });

  it('lists deciding policies in one order every time (Cedar varies it from call to call)', () => {
    const plain = new CedarEngine({ set: loadPolicySet(EXAMPLE_POLICY_DIR, catalogue) });
    const deletes = {
      ...input,
      principal: agent(['agent', 'triage']),
      intent: intent('tickets', ['tickets:delete']),
    };
    const lists = Array.from({ length: 30 }, () => plain.decide(deletes).denied[0]!.policyIds);
    for (const list of lists)
      expect(list).toEqual(['destructive-needs-approval', 'triage-never-deletes']);
  });

  it('repeats the evaluation errors Cedar reported, from the cache', () => {
    const { cached, plain } = engines(
      '@id("overflow") permit (principal, action, resource) when { context.task.exchanges * 9223372036854775807 > 0 };',
    );
    const busy = { ...input, task: { ...task, exchanges: 2 } };
    const expected = plain.decide(busy);
    expect(expected.errors).toEqual([expect.stringMatching(/^overflow: integer overflow/)]);
    cached.decide(busy);
    expect(cached.decide(busy)).toEqual(expected);
  });

  it('decides afresh a context Cedar refuses (a number that is not an integer), never from the cache', () => {
    const { cached, plain } = engines(BUDGET);
    expect(cached.decide(input).allowed).toEqual(['tickets:read']);
    const odd = { ...input, task: { ...task, ageSeconds: 1.5 } }; // not read by the set
    const expected = plain.decide(odd);
    expect(expected.allowed).toEqual([]);
    expect(expected.errors).not.toEqual([]);
    expect(cached.decide(odd)).toEqual(expected);
    expect(cached.cachedDecisions).toBe(1);
  });

  it('keys whether the exchange is delegated even for a set that never reads it', () => {
    // A schema that demands context.delegation: Cedar refuses every request without one.
    const schema = exampleSchema.replace(
      'delegation?: DelegationContext',
      'delegation: DelegationContext',
    );
    expect(schema).not.toBe(exampleSchema);
    const set = loadPolicySet(policyDir({ 'p.cedar': READ_ALL }, schema), catalogue);
    const cached = new CedarEngine({ set, decisionCacheSize: 100 });
    const plain = new CedarEngine({ set });
    const delegated = {
      ...input,
      delegation: { depth: 1, chain: ['a', 'b'], origin: 'a', delegator: 'a', parentScopes: [] },
    };
    expect(cached.decide(delegated).allowed).toEqual(['tickets:read']);
    const expected = plain.decide(input);
    expect(expected.errors).toEqual([expect.stringMatching(/^tickets:read: /)]);
    expect(cached.decide(input)).toEqual(expected);
  });

  it('keeps no decision with a size of 0', () => {
    const { cached } = engines(BUDGET, 0);
    cached.decide(input);
    expect(cached.cachedDecisions).toBe(0);
  });

  it('holds no more decisions than its size', () => {
    const { cached, plain } = engines(BUDGET, 3);
    for (let i = 0; i < 10; i += 1) {
      const at = { ...input, principal: agent(['agent', 'research', `r${i}`]) };
      expect(cached.decide(at)).toEqual(plain.decide(at));
    }
    expect(cached.cachedDecisions).toBe(3);
  });

  it('decides once for every count on one side of a budget the set compares it with', () => {
    const { cached, plain } = engines(BUDGET);
    for (let exchanges = 0; exchanges < 26; exchanges += 1) {
      const at = { ...input, task: { ...task, exchanges } };
      expect(cached.decide(at)).toEqual(plain.decide(at));
    }
    // below 20 and from 20 on: two decisions, the other 24 from the cache
    expect(cached.cachedDecisions).toBe(2);
  });
});

describe('a live policy with a decision cache', () => {
  it('decides with the new set right after a reload, its cache gone with the old set', () => {
    const dir = policyDir({ 'p.cedar': '@id("reads") permit (principal, action, resource);' });
    const live = LivePolicy.start({
      dir,
      catalogue,
      claims: [],
      logger: quietLogger,
      metrics: createMetrics(),
      watch: false,
      debounceMs: 20,
      decisionCacheSize: 100,
    });
    expect(live.current().decide(input).allowed).toEqual(['tickets:read']);
    expect(live.current().decide(input).allowed).toEqual(['tickets:read']);
    expect(live.current().cachedDecisions).toBe(1);
    writeFileSync(
      join(dir, 'p.cedar'),
      '@id("reads") permit (principal, action, resource);\n@id("closed") forbid (principal, action, resource);',
    );
    expect(live.reload()).toEqual({ ok: true, policies: 2 });
    expect(live.current().decide(input).denied).toEqual([
      { scope: 'tickets:read', policyIds: ['closed'] },
    ]);
    live.close();
  });
});

describe('the decision cache, as /metrics counts it', () => {
  /** An engine with a cache of `size` whose lookups and evictions the broker's metrics count. */
  function counted(policies: string, size: number) {
    const metrics = createMetrics();
    const set = loadPolicySet(policyDir({ 'p.cedar': policies }), catalogue);
    const engine = new CedarEngine({
      set,
      decisionCacheSize: size,
      decisionCacheObserver: metrics.caches.policy_decision,
    });
    const counts = async () =>
      cacheCounts(await scrapeRegistry(metrics.registry), 'policy_decision');
    return { metrics, engine, counts };
  }
  /** The request of agent `n`: distinct agents are distinct keys. */
  const at = (n: number): DecisionInput => ({
    ...input,
    principal: agent(['agent', 'research', `r${n}`]),
  });

  it('counts each scope a hit or a miss, and each decision the bound pushes out an eviction', async () => {
    const { engine, counts } = counted(BUDGET, 2);
    for (const n of [1, 2, 3]) engine.decide(at(n)); // three distinct keys
    expect(await counts()).toEqual({ hit: 0, miss: 3, evicted: 1 });
    engine.decide(at(3));
    engine.decide({ ...at(2), intent: intent('tickets', ['tickets:read', 'tickets:write']) });
    expect(await counts()).toEqual({ hit: 2, miss: 4, evicted: 2 });
    engine.decide(at(1)); // pushed out before: decided again
    expect(await counts()).toEqual({ hit: 2, miss: 5, evicted: 3 });
  });

  it('counts a request the cache may not answer as a miss, every time', async () => {
    const { engine, counts } = counted(BUDGET, 100);
    const odd = { ...input, task: { ...task, ageSeconds: 1.5 } };
    engine.decide(odd);
    engine.decide(odd);
    expect(await counts()).toEqual({ hit: 0, miss: 2, evicted: 0 });
  });

  it('counts nothing without a cache', async () => {
    const { engine, counts } = counted(BUDGET, 0);
    engine.decide(input);
    engine.decide(input);
    expect(await counts()).toEqual({ hit: 0, miss: 0, evicted: 0 });
  });

  it("counts the decisions a reload leaves with the old set as no eviction, and the new set's lookups", async () => {
    const { live, metrics } = startLivePolicy(policyDir({ 'p.cedar': READ_ALL }), false, 1);
    const counts = async () =>
      cacheCounts(await scrapeRegistry(metrics.registry), 'policy_decision');
    live.current().decide(input);
    live.current().decide(input);
    expect(live.reload()).toEqual({ ok: true, policies: 1 });
    live.current().decide(input); // the new set's cache is empty
    expect(await counts()).toEqual({ hit: 1, miss: 2, evicted: 0 });
    live.current().decide({ ...input, principal: agent(['agent', 'triage']) });
    expect(await counts()).toEqual({ hit: 1, miss: 3, evicted: 1 });
    live.close();
  });
});

describe('policy.decision_cache_size', () => {
  const raw = (policy: Record<string, unknown>) => ({
    issuer: 'https://mandate.example',
    resources: {
      tickets: { audience: 'https://tickets.example', scopes: { 'tickets:read': 'read' } },
    },
    policy: { dir: 'policies', ...policy },
  });

  it('defaults to a bounded cache, and 0 turns it off', () => {
    expect(parseConfig(raw({}), '/etc/mandate.yaml').policy.decision_cache_size).toBe(
      DEFAULTS.policyDecisionCacheSize,
    );
    expect(
      parseConfig(raw({ decision_cache_size: 0 }), '/etc/mandate.yaml').policy.decision_cache_size,
    ).toBe(0);
  });

  it('refuses a negative or unbounded size', () => {
    expect(() => parseConfig(raw({ decision_cache_size: -1 }), '/etc/mandate.yaml')).toThrow(
      ConfigError,
    );
    expect(() =>
      parseConfig(raw({ decision_cache_size: 10_000_000 }), '/etc/mandate.yaml'),
    ).toThrow(/decision_cache_size/);
  });
});
