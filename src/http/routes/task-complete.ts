import { Router, type Request, type RequestHandler } from 'express';
import type { AuditLog } from '../../audit/audit-log.js';
import { MandateError } from '../../errors.js';
import type { GrantStore } from '../../grants/grant-store.js';
import { SUBJECT_TOKEN_TYPES, type SubjectVerifier } from '../../identity/verify-subject-token.js';
import type { OwnTokenVerifier } from '../../revocation/verify-own-token.js';
import { noStore } from '../parse-body.js';
import { parseParams, taskParam } from './query.js';

/** Options of {@link taskCompleteRoutes}. */
export interface TaskCompleteOptions {
  readonly verifier: OwnTokenVerifier;
  readonly verifySubject: SubjectVerifier;
  readonly store: GrantStore;
  readonly audit: AuditLog;
}

/**
 * `POST /v1/tasks/{task_id}/complete`: the agent ends its task and every grant of it dies.
 * Authenticated with `Authorization: Bearer` and either a token of that task (minted here) or
 * the agent's subject token. Another agent's task and an unknown task look the same (404).
 */
export function taskCompleteRoutes(options: TaskCompleteOptions): Router {
  const complete: RequestHandler = async (req, res) => {
    const taskId = parseParams(taskParam, req.params.task_id);
    const agentId = await agentOf(req, taskId, options);
    const result = await options.store.endTask(agentId, taskId, 'completed', 'completed by agent');
    if (!result) throw new MandateError('not_found', `no task ${taskId}`);
    options.audit.record({
      event: 'task_completed',
      agent: agentId,
      task: taskId,
      revoked: result.revoked,
    });
    res.json({ task_id: taskId, status: 'completed', revoked: result.revoked });
  };
  return Router().post('/v1/tasks/:task_id/complete', noStore, complete);
}

/** The agent the bearer token speaks for; a task token only speaks for its own task. */
async function agentOf(
  req: Request,
  taskId: string,
  options: TaskCompleteOptions,
): Promise<string> {
  const header = req.get('authorization');
  const token = header === undefined ? undefined : /^Bearer ([\x21-\x7E]+)$/.exec(header)?.[1];
  if (token === undefined) {
    throw new MandateError(
      'invalid_token',
      'a token of the task or the agent subject token is required',
    );
  }
  const own = await options.verifier.verify(token);
  if (own) {
    if (own.task_id !== taskId) throw new MandateError('not_found', `no task ${taskId}`);
    return own.sub;
  }
  for (const type of [SUBJECT_TOKEN_TYPES.jwt, SUBJECT_TOKEN_TYPES.idToken]) {
    try {
      return (await options.verifySubject(token, type)).agentId;
    } catch {
      // try the next kind of subject token
    }
  }
  throw new MandateError('invalid_token', 'the bearer token is not valid');
}
