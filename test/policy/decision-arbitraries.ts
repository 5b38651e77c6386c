import fc from 'fast-check';
import type { Principal } from '../../src/identity/principal.js';
import type { DecisionInput, DelegationContext } from '../../src/policy/cedar-engine.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import type { PolicyClaim } from '../../src/policy/agent-claims.js';
import { TEST_RESOURCES } from '../support/test-broker.js';

// Random decision requests and random Cedar policies over the shipped schema, for comparing a
// cached engine with an uncached one. Values come from small domains so that requests repeat,
// and differ in values a set may not read, which is when a wrong key would show.

/** The test resources and the shipped examples' `deploy`, so every shipped policy can apply. */
export const CATALOGUE = Catalogue.fromConfig(
  Object.fromEntries(
    Object.entries({
      ...TEST_RESOURCES,
      deploy: {
        audience: 'https://deploy.example',
        sensitivity: 'confidential',
        scopes: {
          'deploy:read': 'read',
          'deploy:release': 'write',
          'deploy:destroy-env': 'destructive',
        },
      },
    }).map(([k, v]) => [k, { ...v, kind: 'api' }]),
  ) as never,
);

/** The claims the random sets may read (`principal.claims.team`, `.level`). */
export const CLAIMS: readonly PolicyClaim[] = [
  { name: 'team', type: 'string' },
  { name: 'level', type: 'long' },
];

const principal: fc.Arbitrary<Principal> = fc
  .record({
    path: fc.constantFrom(
      ['agent', 'research', 'web'],
      ['agent', 'triage'],
      ['agent', 'deploy'],
      ['agent', 'summarizer'],
      ['other'],
    ),
    trustDomain: fc.constantFrom('prod.example', 'dev.example'),
    oidc: fc.boolean(),
    claims: fc.record(
      {
        team: fc.constantFrom('blue', 'red', 7),
        level: fc.constantFrom(1, 3, 5),
        unrelated: fc.string({ maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
  })
  .map(({ path, trustDomain, oidc, claims }) => ({
    agentId: `spiffe://${trustDomain}/${path.join('/')}`,
    source: oidc ? 'oidc' : 'spiffe',
    ...(oidc ? { issuer: `https://${trustDomain}` } : { trustDomain, path }),
    claims,
    expiresAt: 0,
    tokenSha256: '',
  }));

const delegation: fc.Arbitrary<DelegationContext> = fc.record(
  {
    depth: fc.integer({ min: 1, max: 3 }),
    chain: fc.subarray(['spiffe://prod.example/agent/research/web', 'spiffe://x/agent/y']),
    origin: fc.constantFrom('spiffe://prod.example/agent/research/web', 'spiffe://x/agent/y'),
    delegator: fc.constantFrom('spiffe://x/agent/a', 'spiffe://x/agent/b'),
    parentScopes: fc.subarray(['tickets:read', 'tickets:write']),
    person: fc.constantFrom('alice', 'bob'),
  },
  { requiredKeys: ['depth', 'chain', 'origin', 'delegator', 'parentScopes'] },
);

/** The random parts of one request, each drawn on its own. */
const parts = fc.record({
  principal,
  resource: fc.constantFrom('tickets', 'payroll', 'deploy'),
  pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  tier: fc.constantFrom('read', 'write', 'destructive'),
  targets: fc.subarray(['prod', 'staging']),
  purpose: fc.constantFrom('triage', 'deploy it', 'x'),
  task: fc.record({
    id: fc.constantFrom('T-1', 'T-2'),
    ageSeconds: fc.constantFrom(0, 59, 600),
    exchanges: fc.integer({ min: 0, max: 3 }).map((n) => 18 + n),
    liveGrants: fc.integer({ min: 0, max: 2 }),
  }),
  hour: fc.constantFrom(3, 12, 17, 18),
  day: fc.integer({ min: 0, max: 6 }),
  minute: fc.integer({ min: 0, max: 59 }),
  approved: fc.option(fc.boolean(), { nil: undefined }),
  delegation: fc.option(delegation, { nil: undefined }),
});
type Parts = typeof parts extends fc.Arbitrary<infer T> ? T : never;

/** One decision request; `now` in a fixed week, so nothing depends on today's date. */
function build(r: Parts): DecisionInput {
  const resource = CATALOGUE.find(r.resource)!;
  const names = Object.keys(resource.scopes);
  const scopes = [...new Set(r.pick.map((i) => names[i % names.length]!))];
  return {
    principal: r.principal,
    intent: {
      resource,
      scopes,
      tier: r.tier,
      ttlSeconds: 60,
      purpose: r.purpose,
      targets: r.targets,
      sensitivity: resource.sensitivity,
    },
    task: { ...r.task, purpose: r.purpose },
    // Sunday 2026-11-22 plus the day: every weekday and hour is reachable.
    now: Date.UTC(2026, 10, 22 + r.day, r.hour, r.minute),
    ...(r.approved === undefined ? {} : { approved: r.approved }),
    ...(r.delegation === undefined ? {} : { delegation: r.delegation }),
  };
}

/**
 * A stream of requests close to each other: each is one of a few base requests with some of
 * its parts taken from another, so most pairs differ in a part or two (which a wrong key
 * would miss), and many repeat exactly.
 */
export const requestStream: fc.Arbitrary<DecisionInput[]> = fc
  .tuple(
    fc.array(parts, { minLength: 2, maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 10, maxLength: 40 }),
  )
  .map(([bases, steps]) =>
    steps.map(([base, donor, mask]) => {
      const from = bases[base % bases.length]!;
      const other = bases[donor % bases.length]!;
      const keys = Object.keys(from) as (keyof Parts)[];
      // Mostly one or two parts from the other base: a few low bits of `mask` set.
      const taken = mask % 4 === 0 ? mask : mask & (mask >> 3) & (mask >> 7);
      const mixed = Object.fromEntries(
        keys.map((k, i) => [k, (taken >> i) & 1 ? other[k] : from[k]]),
      ) as Parts;
      return build(mixed);
    }),
  );

// Conditions: reads of every kind the derivation tells apart. Some do not validate (a read of
// an optional attribute without `has`, a type error, an overflow): Cedar then reports an
// error, and the cached engine must report the same one.
const CONDITIONS = [
  // plain chains
  'context.task.exchanges >= 20',
  'context.task.exchanges < 19',
  'context.task.age_seconds > 60',
  'context.task.live_grants == 0',
  'context.task.purpose like "*deploy*"',
  'context.task.id == "T-1"',
  'context["time"].hour >= 6 && context.time.hour < 18',
  'context.time.weekday == 0',
  'context.approved',
  'context.tier == "write"',
  'context.sensitivity == "restricted"',
  'context.targets.contains("prod")',
  'context.targets.isEmpty()',
  // only compared with integer literals (keyed on the outcomes), either side, or also read
  // otherwise (keyed on the value)
  '19 < context.task.exchanges',
  'context.task.exchanges != 19 && context.task.exchanges <= 20',
  'context.task.age_seconds <= 59 || context.task.age_seconds == 600',
  'context.time.weekday > -1 && 17 >= context.time.hour',
  'context has delegation && context.delegation.depth == 2',
  'context.task.live_grants > 0 && context.task has live_grants',
  'context.time.hour + 1 > 12',
  'context.time < 3',
  // presence
  'context has delegation',
  'context has delegation.person',
  'context has delegation && context.delegation has person',
  'context has delegation && context.delegation.depth > 1',
  'context has delegation && context.delegation.chain.contains(principal.id)',
  'context has delegation && context.delegation.origin like "*research*"',
  'context has delegation && context.delegation.parent_scopes.contains("tickets:write")',
  // optional reads without `has`: an error when absent
  'context.delegation.depth >= 2',
  'context.delegation.person == "alice"',
  // records whole
  'context.time == {hour: 12, weekday: 3}',
  'context.task == {id: "T-1", purpose: "x", age_seconds: 0, exchanges: 19, live_grants: 0}',
  'context has delegation && context.delegation.parent_scopes == ["tickets:read"]',
  '{t: context.task}.t.exchanges > 19',
  'if context.approved then context.time.hour > 6 else context.tier == "read"',
  // context whole
  'context == context',
  '[context].contains(context)',
  '(if context.approved then context else context).tier == "read"',
  // principal, resource, action
  'principal.path.contains("research")',
  'principal.source == "spiffe"',
  'principal has trust_domain && principal.trust_domain == "prod.example"',
  'principal has issuer',
  'principal.claims has team && principal.claims.team == "blue"',
  'principal.claims.level > 2',
  'principal.id like "*deploy*"',
  'resource.sensitivity == "restricted"',
  'resource == Resource::"payroll"',
  'action in Action::"write"',
  'action == Action::"tickets:read"',
  // runtime errors
  'context.task.exchanges * 9223372036854775807 > 0',
  'context.tier < 3',
];

const condition: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...CONDITIONS),
    tie('c').map((c) => `!(${c})`),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a}) && (${b})`),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a}) || (${b})`),
  ),
})).c;

const policy: fc.Arbitrary<string> = fc
  .record({
    effect: fc.constantFrom('permit', 'permit', 'forbid'),
    scope: fc.constantFrom(
      'principal, action, resource',
      'principal, action in Action::"read", resource',
      'principal, action, resource == Resource::"tickets"',
    ),
    when: condition,
    unless: fc.option(condition, { nil: undefined }),
  })
  .map(
    ({ effect, scope, when, unless }) =>
      `${effect} (${scope}) when { ${when} }${unless === undefined ? '' : ` unless { ${unless} }`};`,
  );

/** A set of one to five random policies, by id. */
export const policySet: fc.Arbitrary<Record<string, string>> = fc
  .array(policy, { minLength: 1, maxLength: 5 })
  .map((list) => Object.fromEntries(list.map((text, i) => [`p${i}`, text])));
