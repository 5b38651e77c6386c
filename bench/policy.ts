// Policy decisions per second for the example policy set and the dev catalogue: uncached,
// from the decision cache (hit), and through it with every key new (miss), as ratios.
// Run: npm run bench bench/policy.ts   (BENCH_SECONDS=<n> per scenario, default 3)
import '../src/platform/v8-flags.js';
import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import type { Principal } from '../src/identity/principal.js';
import { Catalogue } from '../src/intent/catalogue.js';
import type { Intent } from '../src/intent/intent.js';
import { CedarEngine, type DecisionInput } from '../src/policy/cedar-engine.js';
import { cedarRequest } from '../src/policy/cedar-request.js';
import { contextReads } from '../src/policy/context-paths.js';
import { contextKey, decisionKeyPrefix } from '../src/policy/decision-key.js';
import { loadPolicySet } from '../src/policy/load-policy-set.js';
import { DEFAULTS } from '../src/config/defaults.js';

const config = loadConfig(join(import.meta.dirname, '../config/mandate.yaml'));
const catalogue = Catalogue.fromConfig(config.resources);
const set = loadPolicySet(config.policy.dir, catalogue, { claims: config.policy.claims });
const engine = new CedarEngine({ set, claims: config.policy.claims });
const cachedEngine = () =>
  new CedarEngine({
    set,
    claims: config.policy.claims,
    decisionCacheSize: DEFAULTS.policyDecisionCacheSize,
  });
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const agent = (path: string): Principal => ({
  agentId: `spiffe://dev.mandate.local/${path}`,
  source: 'spiffe',
  trustDomain: 'dev.mandate.local',
  path: path.split('/'),
  claims: {},
  expiresAt: 0,
  tokenSha256: '',
});
const intent = (resource: string, scopes: string[], tier: Intent['tier']): Intent => {
  const r = catalogue.find(resource)!;
  return {
    resource: r,
    scopes,
    tier,
    ttlSeconds: 60,
    purpose: 'bench',
    targets: ['x'],
    sensitivity: r.sensitivity,
  };
};
const task = { id: 'T-1', purpose: 'bench', ageSeconds: 30, exchanges: 3, liveGrants: 1 };
const now = Date.UTC(2026, 2, 4, 10);
const inputs: DecisionInput[] = [
  {
    principal: agent('agent/triage'),
    intent: intent('tickets', ['tickets:read', 'tickets:write'], 'write'),
    task,
    now,
  },
  {
    principal: agent('agent/research/web'),
    intent: intent('docs', ['docs:read'], 'read'),
    task,
    now,
  },
  {
    principal: agent('agent/deploy'),
    intent: intent('deploy', ['deploy:read', 'deploy:release'], 'write'),
    task,
    now,
  },
  {
    principal: agent('agent/deploy'),
    intent: intent('deploy', ['deploy:destroy-env'], 'destructive'),
    task,
    now,
  },
];
const scopesPerRound = inputs.reduce((n, i) => n + i.intent.scopes.length, 0);

function measure(label: string, seconds: number, round: () => void): number {
  for (let i = 0; i < 200; i += 1) round(); // warm up
  let rounds = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(seconds * 1e9);
  while (process.hrtime.bigint() - started < budget) {
    round();
    rounds += 1;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = (rounds * scopesPerRound) / elapsed;
  console.log(
    `${label.padEnd(44)} ${Math.round(perSecond).toString().padStart(7)} scope decisions/s  (${Math.round((rounds * inputs.length) / elapsed)} exchanges/s)`,
  );
  return perSecond;
}

console.log(
  `example set: ${Object.keys(set.policies).length} policies; ${inputs.length} requests, ${scopesPerRound} scopes per round`,
);
const hitEngine = cachedEngine();
// Every round a task count never seen: the set reads context.task.exchanges, so each scope is
// a miss (a key, Cedar, an insert), and past the bound each insert also evicts.
const missEngine = cachedEngine();
let spent = 0;
// The key alone: the Cedar request (which a miss needs anyway) and the key string.
const ofContext = contextKey(contextReads(set.policies));
let keyLength = 0;
const scenarios: Record<string, () => void> = {
  'uncached (preparsed set + schema)': () => {
    for (const input of inputs) engine.decide(input);
  },
  'decision cache, hit': () => {
    for (const input of inputs) hitEngine.decide(input);
  },
  'decision cache, miss (every key new)': () => {
    spent += 1;
    for (const input of inputs)
      missEngine.decide({ ...input, task: { ...task, exchanges: spent } });
  },
  'key only (request + key string)': () => {
    for (const input of inputs) {
      const request = cedarRequest(input, config.policy.claims);
      keyLength = decisionKeyPrefix(input, request, ofContext)!.length;
    }
  },
};
// The machine is shared and noisy: the scenarios take turns, ROUNDS times, best of each kept.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const best: Record<string, number> = {};
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const [label, run] of Object.entries(scenarios)) {
    const rate = measure(`${label} [${round}]`, SECONDS / ROUNDS, run);
    best[label] = Math.max(best[label] ?? 0, rate);
  }
}
const [uncached, hit, miss, keys] = Object.keys(scenarios).map((label) => best[label]!);
console.log(
  `best of ${ROUNDS}: hit / uncached ${(hit! / uncached!).toFixed(1)}x, miss / uncached ${(miss! / uncached!).toFixed(2)}x, ` +
    `key / uncached decide() ${((100 * uncached!) / keys!).toFixed(1)} % (key prefix ${keyLength} chars)`,
);
const preparsed = uncached!;
// The same decisions with policies and schema sent as text on every call, for comparison.
const reparsed = measure('policies + schema parsed on every call', SECONDS, () => {
  for (const input of inputs) {
    for (const scope of input.intent.scopes) {
      isAuthorized({
        principal: { type: 'Agent', id: input.principal.agentId },
        action: { type: 'Action', id: scope },
        resource: { type: 'Resource', id: input.intent.resource.name },
        context: {
          task: { id: 'T-1', purpose: 'bench', age_seconds: 30, exchanges: 3, live_grants: 1 },
          tier: input.intent.tier,
          targets: ['x'],
          sensitivity: input.intent.sensitivity,
          time: { hour: 10, weekday: 3 },
          approved: false,
        },
        entities: [
          {
            uid: { type: 'Agent', id: input.principal.agentId },
            attrs: {
              id: input.principal.agentId,
              source: 'spiffe',
              trust_domain: 'dev.mandate.local',
              path: [...input.principal.path!],
              claims: {},
            },
            parents: [],
          },
          {
            uid: { type: 'Resource', id: input.intent.resource.name },
            attrs: {
              name: input.intent.resource.name,
              audience: input.intent.resource.audience,
              kind: input.intent.resource.kind,
              sensitivity: input.intent.resource.sensitivity,
            },
            parents: [],
          },
        ],
        policies: { staticPolicies: { ...set.policies } },
        schema: set.schema,
        validateRequest: true,
      });
    }
  }
});
console.log(`preparsed / parsed-per-call: ${(preparsed / reparsed).toFixed(1)}x`);
