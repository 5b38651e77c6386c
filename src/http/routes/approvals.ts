import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ApprovalGate } from '../../approvals/approval-gate.js';
import { effectiveState, type Approval } from '../../approvals/approval.js';
import { DEFAULTS } from '../../config/defaults.js';
import { MandateError } from '../../errors.js';
import { textProblem } from '../../intent/intent-text.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore, parseBody } from '../parse-body.js';
import { operatorOf, requireOperator } from '../require-operator.js';
import { parseParams } from './query.js';

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

const listQuery = z.object({
  state: z.enum(STATES, { error: `state is one of ${STATES.join(', ')}` }).optional(),
  limit: z.coerce
    .number({ error: 'limit is a whole number' })
    .int('limit is a whole number')
    .min(1, 'limit is at least 1')
    .max(DEFAULTS.approvalMaxPageSize, `limit is at most ${DEFAULTS.approvalMaxPageSize}`)
    .default(DEFAULTS.approvalPageSize),
  cursor: z.string().min(1).max(512, 'cursor is too long').optional(),
});

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
 * `GET /v1/approvals[?state=&limit=&cursor=]` (paged), `GET /v1/approvals/{id}` (viewer) and
 * `POST /v1/approvals/{id}` (approver: `{decision: approve|deny, reason}`).
 */
export function approvalRoutes(options: {
  approvals: ApprovalGate;
  operatorKeys: ApiKeys;
  maxBodyBytes: number;
}): Router {
  const gate = options.approvals;
  const list: RequestHandler = async (req, res) => {
    const { state, limit, cursor } = parseParams(listQuery, req.query);
    const page = await gate.page({
      limit,
      ...(state !== undefined ? { state } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    const now = gate.now();
    res.json({
      approvals: page.approvals.map((a) => approvalView(a, now)),
      ...(page.next !== undefined ? { next_cursor: page.next } : {}),
    });
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
    .post('/v1/approvals/:id', noStore, approver, parseBody(options.maxBodyBytes), decide);
}

function approvalId(value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value))
    throw new MandateError('not_found', 'no such approval');
  return value;
}
