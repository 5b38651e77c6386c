import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AgentActions } from '../../agent-actions/agent-actions.js';
import { noStore, parseBody } from '../parse-body.js';
import { parseParams } from './query.js';

const body = z.object({
  token: z.string().min(1, 'is empty'),
  token_type_hint: z.string().optional(),
});

/**
 * `POST /revoke` (RFC 7009): an agent revokes its own token; holding the token is the proof.
 * Unknown, expired or foreign tokens get 200 as the RFC asks (section 2.2): nothing to revoke.
 */
export function revokeRoutes(options: {
  agentActions: Pick<AgentActions, 'revokeToken'>;
  maxBodyBytes: number;
}): Router {
  const revoke: RequestHandler = async (req, res) => {
    const { token } = parseParams(body, req.body);
    await options.agentActions.revokeToken(token);
    res.status(200).end();
  };
  return Router().post('/revoke', noStore, parseBody(options.maxBodyBytes), revoke);
}
