import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { DEFAULTS } from '../../config/defaults.js';
import { MandateError } from '../../errors.js';
import type { GrantStore, TaskStatus } from '../../grants/grant-store.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore } from '../parse-body.js';
import { operatorOf, requireOperator } from '../require-operator.js';
import { grantView, taskView } from './operator-views.js';
import { agentParam, grantParam, limitParam, parseParams, taskParam } from './query.js';

/** What the grant and task routes of the operator API need. */
export interface OperatorRoutesOptions {
  readonly operatorKeys: ApiKeys;
  readonly store: GrantStore;
  readonly audit: AuditLog;
}

const STATUSES = ['active', 'completed', 'halted', 'revoked'] as const satisfies TaskStatus[];
const ofAgent = z.object({ agent: agentParam });
const grantQuery = z.object({
  agent: agentParam.optional(),
  task: taskParam.optional(),
  audience: z.string().min(1).max(2048).optional(),
  limit: limitParam.default(DEFAULTS.maxListItems),
});
const taskQuery = z.object({
  agent: agentParam.optional(),
  status: z.enum(STATUSES).optional(),
  limit: limitParam.default(DEFAULTS.maxListItems),
});

/**
 * Grants and tasks in the operator API: list and get (`viewer`), revoke a grant or a task and
 * resume a halted task (`revoker`). Each change is logged with the operator's name. Unknown
 * and someone else's look the same: 404.
 */
export function operatorTaskRoutes(options: OperatorRoutesOptions): Router {
  const { store, audit } = options;
  const viewer = requireOperator(options.operatorKeys, 'viewer');
  const revoker = requireOperator(options.operatorKeys, 'revoker');
  const notFound = (what: string) => new MandateError('not_found', `no ${what}`);

  const listGrants: RequestHandler = async (req, res) => {
    const q = parseParams(grantQuery, req.query);
    const filter = {
      ...(q.agent !== undefined ? { agentId: q.agent } : {}),
      ...(q.task !== undefined ? { taskId: q.task } : {}),
      ...(q.audience !== undefined ? { audience: q.audience } : {}),
    };
    if (filter.taskId !== undefined && filter.agentId === undefined)
      throw new MandateError('invalid_request', 'task: filtering by task needs agent too');
    res.json({ grants: (await store.listGrants(filter, q.limit)).map(grantView) });
  };

  const getGrant: RequestHandler = async (req, res) => {
    const jti = parseParams(grantParam, req.params.grant_id);
    const { agent } = parseParams(ofAgent, req.query);
    const found = await store.getGrant(agent, jti);
    if (!found) throw notFound(`grant ${jti}`);
    res.json({ ...grantView(found.grant), live: found.live, task_status: found.taskStatus });
  };

  const revokeGrant: RequestHandler = async (req, res) => {
    const jti = parseParams(grantParam, req.params.grant_id);
    const { agent } = parseParams(ofAgent, req.query);
    const by = operatorOf(req).name;
    const result = await store.revokeGrant(agent, jti, `revoked by operator ${by}`);
    audit.record({
      event: 'operator_action',
      operator: by,
      action: 'revoke_grant',
      agent,
      jti,
      revoked: result.revoked,
    });
    if (result.revoked === 0) throw notFound(`grant ${jti}`);
    res.json({ grant_id: jti, revoked: result.revoked });
  };

  const listTasks: RequestHandler = async (req, res) => {
    const q = parseParams(taskQuery, req.query);
    const filter = {
      ...(q.agent !== undefined ? { agentId: q.agent } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
    };
    res.json({ tasks: (await store.listTasks(filter, q.limit)).map(taskView) });
  };

  const getTask: RequestHandler = async (req, res) => {
    const taskId = parseParams(taskParam, req.params.task_id);
    const { agent } = parseParams(ofAgent, req.query);
    const task = await store.getTask(agent, taskId);
    if (!task) throw notFound(`task ${taskId}`);
    const grants = await store.listGrants({ agentId: agent, taskId }, DEFAULTS.maxListItems);
    res.json({ ...taskView(task), grants: grants.map(grantView) });
  };

  const revokeTask: RequestHandler = async (req, res) => {
    const taskId = parseParams(taskParam, req.params.task_id);
    const { agent } = parseParams(ofAgent, req.query);
    const by = operatorOf(req).name;
    const result = await store.endTask(agent, taskId, 'revoked', `revoked by operator ${by}`);
    audit.record({
      event: 'operator_action',
      operator: by,
      action: 'revoke_task',
      agent,
      task: taskId,
      revoked: result?.revoked ?? null,
    });
    if (!result) throw notFound(`task ${taskId}`);
    res.json({ task_id: taskId, status: 'revoked', revoked: result.revoked });
  };

  const resumeTask: RequestHandler = async (req, res) => {
    const taskId = parseParams(taskParam, req.params.task_id);
    const { agent } = parseParams(ofAgent, req.query);
    const by = operatorOf(req).name;
    const task = await store.resumeTask(agent, taskId);
    audit.record({
      event: 'operator_action',
      operator: by,
      action: 'resume_task',
      agent,
      task: taskId,
      status: task?.status ?? null,
    });
    if (!task) throw notFound(`task ${taskId}`);
    if (task.status !== 'active') {
      throw new MandateError(
        'invalid_request',
        `task ${taskId} is ${task.status}; only a halted task can be resumed`,
      );
    }
    res.json(taskView(task));
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
