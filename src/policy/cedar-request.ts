import type { CedarValueJson, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Principal } from '../identity/principal.js';
import type { Intent } from '../intent/intent.js';
import { selectClaims, type PolicyClaim } from './agent-claims.js';
import type { DecisionInput } from './decision-input.js';

/** What every scope of one decision sends Cedar; only the action changes. */
export interface CedarRequest {
  readonly principal: { type: string; id: string };
  readonly resource: { type: string; id: string };
  readonly entities: EntityJson[];
  readonly context: Record<string, CedarValueJson>;
}

/** The request of one decision: the agent and resource entities and the exchange's context. */
export function cedarRequest(input: DecisionInput, claims: readonly PolicyClaim[]): CedarRequest {
  return {
    principal: { type: 'Agent', id: input.principal.agentId },
    resource: { type: 'Resource', id: input.intent.resource.name },
    entities: [agentEntity(input.principal, claims), resourceEntity(input.intent)],
    context: exchangeContext(input),
  };
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
