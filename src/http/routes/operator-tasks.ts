import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { MandateError } from '../../errors.js';
import { TASK_STATUSES, type OperatorReads } from '../../operator-actions/operator-reads.js';
import type { OperatorTaskActions } from '../../operator-actions/operator-task-actions.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore } from '../parse-body.js';
import { actingOperator, requireOperator } from '../require-operator.js';
import { grantView, taskView } from './operator-views.js';
import {
  agentParam,
  grantParam,
  nextCursor,
  pageParams,
  pageRequest,
  parseParams,
  taskParam,
} from './query.js';

/** What the grant and task routes of the operator API need. */
export interface OperatorRoutesOptions {
  readonly operatorKeys: ApiKeys;
  readonly operatorReads: Pick<OperatorReads, 'listGrants' | 'grant' | 'listTasks' | 'task'>;
  readonly operatorTasks: OperatorTaskActions;
}

const ofAgent = z.object({ agent: agentParam });
const grantQuery = z.object({
  agent: agentParam.optional(),
  task: taskParam.optional(),
  audience: z.string().min(1).max(2048).optional(),
  ...pageParams,
});
const taskQuery = z.object({
  agent: agentParam.optional(),
  status: z.enum(TASK_STATUSES).optional(),
  ...pageParams,
});

/** The operator, the agent (`?agent=`) and the task of the path, of a task route. */
function taskCommand(req: Request) {
  const taskId = parseParams(taskParam, req.params.task_id);
  const { agent } = parseParams(ofAgent, req.query);
  return { ...actingOperator(req), agent, taskId };
}

/** The operator, the agent (`?agent=`) and the grant of the path, of a grant route. */
function grantCommand(req: Request) {
  const jti = parseParams(grantParam, req.params.grant_id);
  const { agent } = parseParams(ofAgent, req.query);
  return { ...actingOperator(req), agent, jti };
}

/**
 * Grants and tasks in the operator API: list and get (`viewer`), revoke a grant or a task and
 * resume a halted task (`revoker`). The use cases decide and audit (operator-actions/); these
 * routes parse and answer.
 */
export function operatorTaskRoutes(options: OperatorRoutesOptions): Router {
  const { operatorReads: reads, operatorTasks: tasks } = options;
  const viewer = requireOperator(options.operatorKeys, 'viewer');
  const revoker = requireOperator(options.operatorKeys, 'revoker');

  const listGrants: RequestHandler = async (req, res) => {
    const q = parseParams(grantQuery, req.query);
    const filter = {
      ...(q.agent !== undefined ? { agentId: q.agent } : {}),
      ...(q.task !== undefined ? { taskId: q.task } : {}),
      ...(q.audience !== undefined ? { audience: q.audience } : {}),
    };
    if (filter.taskId !== undefined && filter.agentId === undefined)
      throw new MandateError('invalid_request', 'task: filtering by task needs agent too');
    const page = await reads.listGrants(filter, pageRequest(q));
    res.json({ grants: page.items.map(grantView), ...nextCursor(page) });
  };

  const getGrant: RequestHandler = async (req, res) => {
    const { agent, jti } = grantCommand(req);
    const found = await reads.grant(agent, jti);
    res.json({ ...grantView(found.grant), live: found.live, task_status: found.taskStatus });
  };

  const revokeGrant: RequestHandler = async (req, res) => {
    const command = grantCommand(req);
    const { revoked } = await tasks.revokeGrant(command);
    res.json({ grant_id: command.jti, revoked });
  };

  const listTasks: RequestHandler = async (req, res) => {
    const q = parseParams(taskQuery, req.query);
    const filter = {
      ...(q.agent !== undefined ? { agentId: q.agent } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
    };
    const page = await reads.listTasks(filter, pageRequest(q));
    res.json({ tasks: page.items.map(taskView), ...nextCursor(page) });
  };

  const getTask: RequestHandler = async (req, res) => {
    const { agent, taskId } = taskCommand(req);
    const { task, grants } = await reads.task(agent, taskId);
    res.json({ ...taskView(task), grants: grants.map(grantView) });
  };

  const revokeTask: RequestHandler = async (req, res) => {
    const command = taskCommand(req);
    const { revoked } = await tasks.revokeTask(command);
    res.json({ task_id: command.taskId, status: 'revoked', revoked });
  };

  const resumeTask: RequestHandler = async (req, res) => {
    res.json(taskView(await tasks.resumeTask(taskCommand(req))));
  };

  return Router()
    .use('/v1/grants', noStore)
    .use('/v1/tasks', noStore)
    .get('/v1/grants', viewer, listGrants)
    .get('/v1/grants/:grant_id', viewer, getGrant)
    .post('/v1/grants/:grant_id/revoke', revoker, revokeGrant)
    .get('/v1/tasks', viewer, listTasks)
    .get('/v1/tasks/:task_id', viewer, getTask)
    .post('/v1/tasks/:task_id/revoke', revoker, revokeTask)
    .post('/v1/tasks/:task_id/resume', revoker, resumeTask);
}
