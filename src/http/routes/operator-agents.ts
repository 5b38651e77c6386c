import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { DEFAULTS } from '../../config/defaults.js';
import { parseDuration } from '../../config/duration.js';
import type { OperatorAgentActions } from '../../operator-actions/operator-agent-actions.js';
import type { OperatorReads } from '../../operator-actions/operator-reads.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore } from '../parse-body.js';
import { actingOperator, requireOperator } from '../require-operator.js';
import { taskView } from './operator-views.js';
import { agentParam, nextCursor, pageParams, pageRequest, parseParams } from './query.js';

const ofAgent = z.object({ agent: agentParam });
const showQuery = z.object({ agent: agentParam, ...pageParams });
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
 * unblock it (`admin`: these act on every task of the agent at once). The use cases decide and
 * audit (operator-actions/); these routes parse and answer.
 */
export function operatorAgentRoutes(options: {
  operatorKeys: ApiKeys;
  operatorReads: Pick<OperatorReads, 'agent'>;
  operatorAgents: OperatorAgentActions;
}): Router {
  const { operatorReads: reads, operatorAgents: agents } = options;
  const viewer = requireOperator(options.operatorKeys, 'viewer');
  const admin = requireOperator(options.operatorKeys, 'admin');
  const command = (req: Request) => ({
    ...actingOperator(req),
    agent: parseParams(ofAgent, req.query).agent,
  });

  const show: RequestHandler = async (req, res) => {
    const q = parseParams(showQuery, req.query);
    const { blockedUntil, tasks } = await reads.agent(q.agent, pageRequest(q));
    res.json({
      agent: q.agent,
      blocked_until: blockedUntil === null ? null : Math.ceil(blockedUntil / 1000),
      tasks: tasks.items.map(taskView),
      ...nextCursor(tasks),
    });
  };

  const revokeAll: RequestHandler = async (req, res) => {
    const cmd = command(req);
    const { revoked } = await agents.revokeAll(cmd);
    res.json({ agent: cmd.agent, revoked });
  };

  const block: RequestHandler = async (req, res) => {
    const q = parseParams(blockQuery, req.query);
    const result = await agents.block({
      ...actingOperator(req),
      agent: q.agent,
      seconds: q.for,
    });
    res.json({
      agent: q.agent,
      blocked_until: Math.ceil(result.until / 1000),
      revoked: result.revoked,
    });
  };

  const unblock: RequestHandler = async (req, res) => {
    const cmd = command(req);
    const { wasBlocked } = await agents.unblock(cmd);
    res.json({ agent: cmd.agent, unblocked: wasBlocked });
  };

  return Router()
    .use('/v1/agent', noStore)
    .get('/v1/agent', viewer, show)
    .post('/v1/agent/revoke', admin, revokeAll)
    .post('/v1/agent/block', admin, block)
    .post('/v1/agent/unblock', admin, unblock);
}
