import { Router, type Request, type RequestHandler } from 'express';
import type { AgentActions } from '../../agent-actions/agent-actions.js';
import { MandateError } from '../../errors.js';
import { bearerCredential } from '../bearer-credential.js';
import { noStore } from '../parse-body.js';
import { parseParams, taskParam } from './query.js';

/**
 * `POST /v1/tasks/{task_id}/complete`: the agent ends its task and every grant of it dies.
 * Authenticated with `Authorization: Bearer` and either a token of that task (minted here) or
 * the agent's subject token. Another agent's task and an unknown task look the same (404).
 */
export function taskCompleteRoutes(options: {
  agentActions: Pick<AgentActions, 'completeTask'>;
}): Router {
  const complete: RequestHandler = async (req, res) => {
    const taskId = parseParams(taskParam, req.params.task_id);
    const { revoked } = await options.agentActions.completeTask(bearerOf(req), taskId);
    res.json({ task_id: taskId, status: 'completed', revoked });
  };
  return Router().post('/v1/tasks/:task_id/complete', noStore, complete);
}

/** The bearer token of the request, or `invalid_token` when there is none. */
function bearerOf(req: Request): string {
  const token = bearerCredential(req.get('authorization'));
  if (token === undefined) {
    throw new MandateError(
      'invalid_token',
      'a token of the task or the agent subject token is required',
    );
  }
  return token;
}
