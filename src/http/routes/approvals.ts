import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ApprovalGate } from '../../approvals/approval-gate.js';
import { effectiveState, type Approval } from '../../approvals/approval.js';
import { MandateError } from '../../errors.js';
import { textProblem } from '../../intent/intent-text.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore, parseBody } from '../parse-body.js';
import { operatorOf, requireOperator } from '../require-operator.js';

const STATES = ['pending', 'approved', 'denied', 'consumed', 'expired'] as const;

const verdictSchema = z.strictObject({
  decision: z.enum(['approve', 'deny'], { error: 'decision is approve or deny' }),
  reason: z
    .string()
    .trim()
    .min(1, 'reason is required: say why')
    .max(512, 'reason is too long')
    .superRefine((text, ctx) => {
      const problem = textProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: `reason ${problem}` });
    }),
});

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** An approval as operators see it on the wire. */
export function approvalView(a: Approval, now: number): Record<string, unknown> {
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return {
    approval_id: a.id,
    state: effectiveState(a, now),
    agent: a.agentId,
    task_id: a.taskId,
    resource: a.resource,
    audience: a.audience,
    scope: a.scopes.join(' '),
    tier: a.tier,
    sensitivity: a.sensitivity,
    purpose: a.purpose,
    targets: a.targets,
    requested_ttl: a.requestedTtlSeconds,
    ttl: a.ttlSeconds,
    created_at: iso(a.createdAt),
    expires_at: iso(a.expiresAt),
    decided_by: a.decidedBy,
    decided_at: iso(a.decidedAt),
    reason: a.reason,
    consumed_at: iso(a.consumedAt),
  };
}

/**
 * `GET /v1/approvals[?state=]`, `GET /v1/approvals/{id}` (viewer) and
 * `POST /v1/approvals/{id}` (approver: `{decision: approve|deny, reason}`).
 */
export function approvalRoutes(options: {
  approvals: ApprovalGate;
  operatorKeys: ApiKeys;
  maxBodyBytes: number;
}): Router {
  const gate = options.approvals;
  const list: RequestHandler = async (req, res) => {
    const state = req.query.state;
    if (state !== undefined && !(STATES as readonly unknown[]).includes(state))
      throw new MandateError('invalid_request', `state is one of ${STATES.join(', ')}`);
    const approvals = await gate.list(state as (typeof STATES)[number] | undefined);
    const now = gate.now();
    res.json({ approvals: approvals.map((a) => approvalView(a, now)) });
  };
  const show: RequestHandler = async (req, res) => {
    res.json(approvalView(await gate.get(approvalId(req.params.id)), gate.now()));
  };
  const decide: RequestHandler = async (req, res) => {
    const parsed = verdictSchema.safeParse(req.body);
    if (!parsed.success) throw new MandateError('invalid_request', parsed.error.issues[0]!.message);
    const approval = await gate.decide(approvalId(req.params.id), {
      ...parsed.data,
      by: operatorOf(req).name,
    });
    res.json(approvalView(approval, gate.now()));
  };
  const viewer = requireOperator(options.operatorKeys, 'viewer');
  const approver = requireOperator(options.operatorKeys, 'approver');
  return Router()
    .get('/v1/approvals', noStore, viewer, list)
    .get('/v1/approvals/:id', noStore, viewer, show)
    .post('/v1/approvals/:id', noStore, approver, ...parseBody(options.maxBodyBytes), decide);
}

function approvalId(value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value))
    throw new MandateError('not_found', 'no such approval');
  return value;
}
