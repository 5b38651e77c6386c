// Policy decisions per second for the example policy set and the dev catalogue.
// Run: node --no-turbo-inline-js-wasm-calls --import tsx bench/policy.ts
import '../src/platform/v8-flags.js';
import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import type { Principal } from '../src/identity/principal.js';
import { Catalogue } from '../src/intent/catalogue.js';
import type { Intent } from '../src/intent/intent.js';
import { CedarEngine, type DecisionInput } from '../src/policy/cedar-engine.js';
import { loadPolicySet } from '../src/policy/load-policy-set.js';

const config = loadConfig(join(import.meta.dirname, '../config/mandate.yaml'));
const catalogue = Catalogue.fromConfig(config.resources);
const set = loadPolicySet(config.policy.dir, catalogue, { claims: config.policy.claims });
const engine = new CedarEngine({ set, claims: config.policy.claims });

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
const preparsed = measure('preparsed set + schema (the exchange path)', 3, () => {
  for (const input of inputs) engine.decide(input);
});
// The same decisions with policies and schema sent as text on every call, for comparison.
const reparsed = measure('policies + schema parsed on every call', 3, () => {
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
