import { z } from 'zod';
import { MandateError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { parseSpiffeId } from '../identity/spiffe-id.js';
import type { Catalogue } from '../intent/catalogue.js';
import type { IssuanceRules } from '../intent/issuance-rules.js';
import { resolveIntent } from '../intent/resolve-intent.js';
import { SENSITIVITIES, type ScopeClass } from '../intent/tiers.js';
import type { PolicySnapshot } from './policy-snapshot.js';

const claims = z.record(z.string(), z.unknown()).default({});

/** A principal as an operator writes it: a SPIFFE ID, or an OIDC issuer and agent id. */
const principalSchema = z.union([
  z.strictObject({ spiffe_id: z.string(), claims }),
  z.strictObject({ issuer: z.string().min(1), agent_id: z.string().min(1), claims }),
]);

/** An exchange as an operator writes it, with the task state and time it happens at. */
const requestSchema = z.strictObject({
  audience: z.string().min(1),
  scope: z.string().min(1),
  intent: z
    .strictObject({
      purpose: z.string().default('policy evaluation'),
      targets: z.array(z.string()).default([]),
      sensitivity: z.enum(SENSITIVITIES).optional(),
    })
    .default({ purpose: 'policy evaluation', targets: [] }),
  task: z
    .strictObject({
      id: z.string().default('T-eval'),
      purpose: z.string().optional(),
      age_seconds: z.number().int().min(0).default(0),
      exchanges: z.number().int().min(0).default(0),
      live_grants: z.number().int().min(0).default(0),
    })
    .default({ id: 'T-eval', age_seconds: 0, exchanges: 0, live_grants: 0 }),
  /** ISO 8601 date-time; default: now. */
  time: z.iso.datetime({ offset: true }).optional(),
  approved: z.boolean().default(false),
});

/** One dry-run case: who asks for what. */
export const evaluationCaseSchema = z.strictObject({
  principal: principalSchema,
  request: requestSchema,
});
export type EvaluationCase = z.output<typeof evaluationCaseSchema>;

/** What a dry run answers: the decision per scope, who decided it, and evaluation errors. */
export interface Evaluation {
  /** allow: every scope; deny: at least one refused (the exchange would be refused or partial). */
  readonly decision: 'allow' | 'deny';
  readonly tier: ScopeClass;
  readonly ttl_seconds: number;
  readonly sensitivity: string;
  readonly scopes: { scope: string; decision: 'allow' | 'deny'; policy_ids: readonly string[] }[];
  readonly errors: readonly string[];
}

/** What evaluating a case needs: one policy snapshot, the catalogue and the issuance rules. */
export interface EvaluationContext {
  readonly policy: Pick<PolicySnapshot, 'decide'>;
  readonly catalogue: Catalogue;
  readonly rules: IssuanceRules;
  /** ms since the epoch, when the case names no time. */
  readonly now: number;
}

/**
 * Evaluates a case as the exchange would (same intent resolution, same context), without a
 * token, a grant or an approval. Bad input is a {@link MandateError} naming the problem.
 *
 * @example
 * evaluateCase(evaluationCaseSchema.parse(body), { policy, catalogue, rules, now });
 */
export function evaluateCase(c: EvaluationCase, ctx: EvaluationContext): Evaluation {
  const now = c.request.time === undefined ? ctx.now : Date.parse(c.request.time);
  const nowSeconds = Math.floor(now / 1000);
  const intent = resolveIntent(
    {
      audience: c.request.audience,
      scopes: c.request.scope.split(' ').filter((s) => s.length > 0),
      intent: c.request.intent,
    },
    {
      catalogue: ctx.catalogue,
      rules: ctx.rules,
      subjectExpiresAt: nowSeconds + ctx.rules.maxTokenTtlSeconds,
      nowSeconds,
    },
  );
  const t = c.request.task;
  const decision = ctx.policy.decide({
    principal: toPrincipal(c.principal),
    intent,
    task: {
      id: t.id,
      purpose: t.purpose ?? intent.purpose,
      ageSeconds: t.age_seconds,
      exchanges: t.exchanges,
      liveGrants: t.live_grants,
    },
    now,
    approved: c.request.approved,
  });
  return {
    decision: decision.denied.length === 0 ? 'allow' : 'deny',
    tier: intent.tier,
    ttl_seconds: intent.ttlSeconds,
    sensitivity: intent.sensitivity,
    scopes: decision.scopes.map((s) => ({
      scope: s.scope,
      decision: s.decision,
      policy_ids: s.policyIds,
    })),
    errors: decision.errors,
  };
}

function toPrincipal(p: EvaluationCase['principal']): Principal {
  const common = { claims: p.claims, expiresAt: 0, tokenSha256: '' };
  if ('issuer' in p) return { ...common, agentId: p.agent_id, source: 'oidc', issuer: p.issuer };
  const parsed = parseSpiffeId(p.spiffe_id);
  if (!parsed.ok)
    throw new MandateError('invalid_request', `principal.spiffe_id: ${parsed.reason}`);
  return {
    ...common,
    agentId: parsed.id.uri,
    source: 'spiffe',
    trustDomain: parsed.id.trustDomain,
    path: parsed.id.path,
  };
}

/** Validates a case, turning the first problem into `invalid_request` with its path. */
export function parseEvaluationCase(raw: unknown): EvaluationCase {
  const parsed = evaluationCaseSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new MandateError('invalid_request', `${where}: ${issue.message}`);
}
