import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { DEFAULTS } from '../../config/defaults.js';
import { parseDuration } from '../../config/duration.js';
import type { GrantStore } from '../../grants/grant-store.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import type { Clock } from '../../platform/clock.js';
import { noStore } from '../parse-body.js';
import { operatorOf, requireOperator } from '../require-operator.js';
import { taskView } from './operator-views.js';
import { agentParam, parseParams } from './query.js';

const ofAgent = z.object({ agent: agentParam });
const blockQuery = z.object({
  agent: agentParam,
  for: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return DEFAULTS.operatorBlockSeconds;
      const seconds = parseDuration(value);
      if (seconds === undefined || seconds > DEFAULTS.maxBlockSeconds) {
        ctx.addIssue({ code: 'custom', message: 'a duration up to 30d, such as 15m or 12h' });
        return z.NEVER;
      }
      return seconds;
    }),
});

/**
 * Agents in the operator API: see one (`viewer`); revoke everything it holds, block and
 * unblock it (`admin`: these act on every task of the agent at once). Blocking revokes too, so
 * a blocked agent holds nothing live. Every change is logged with the operator's name.
 */
export function operatorAgentRoutes(options: {
  operatorKeys: ApiKeys;
  store: GrantStore;
  audit: AuditLog;
  clock: Clock;
}): Router {
  const { store, audit, clock } = options;
  const viewer = requireOperator(options.operatorKeys, 'viewer');
  const admin = requireOperator(options.operatorKeys, 'admin');

  const show: RequestHandler = async (req, res) => {
    const { agent } = parseParams(ofAgent, req.query);
    const [until, tasks] = await Promise.all([
      store.blockedUntil(agent),
      store.listTasks({ agentId: agent }, DEFAULTS.maxListItems),
    ]);
    res.json({
      agent,
      blocked_until: until === null ? null : Math.ceil(until / 1000),
      tasks: tasks.map(taskView),
    });
  };

  const revokeAll: RequestHandler = async (req, res) => {
    const { agent } = parseParams(ofAgent, req.query);
    const by = operatorOf(req).name;
    const result = await store.revokeAgent(agent, `revoked by operator ${by}`);
    audit.record({
      event: 'operator_action',
      operator: by,
      action: 'revoke_agent',
      agent,
      revoked: result.revoked,
    });
    res.json({ agent, revoked: result.revoked });
  };

  const block: RequestHandler = async (req, res) => {
    const q = parseParams(blockQuery, req.query);
    const by = operatorOf(req).name;
    const until = clock.now() + q.for * 1000;
    const result = await store.blockAgent(q.agent, until, `blocked by operator ${by}`);
    audit.record({
      event: 'operator_action',
      operator: by,
      action: 'block_agent',
      agent: q.agent,
      seconds: q.for,
      revoked: result.revoked,
    });
    res.json({ agent: q.agent, blocked_until: Math.ceil(until / 1000), revoked: result.revoked });
  };

  const unblock: RequestHandler = async (req, res) => {
    const { agent } = parseParams(ofAgent, req.query);
    const by = operatorOf(req).name;
    const was = await store.unblockAgent(agent);
    audit.record({
      event: 'operator_action',
      operator: by,
      action: 'unblock_agent',
      agent,
      was_blocked: was,
    });
    res.json({ agent, unblocked: was });
  };

  return Router()
    .use('/v1/agent', noStore)
    .get('/v1/agent', viewer, show)
    .post('/v1/agent/revoke', admin, revokeAll)
    .post('/v1/agent/block', admin, block)
    .post('/v1/agent/unblock', admin, unblock);
}
