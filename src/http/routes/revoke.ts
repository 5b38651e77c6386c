import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { GrantStore } from '../../grants/grant-store.js';
import type { OwnTokenVerifier } from '../../revocation/verify-own-token.js';
import { noStore, parseBody } from '../parse-body.js';
import { parseParams } from './query.js';

const body = z.object({
  token: z.string().min(1, 'is empty'),
  token_type_hint: z.string().optional(),
});

/**
 * `POST /revoke` (RFC 7009): an agent revokes its own token; holding the token is the proof.
 * The signature is checked with the broker's keys before the grant is touched. Unknown,
 * expired or foreign tokens get 200 as the RFC asks (section 2.2): nothing to revoke.
 */
export function revokeRoutes(options: {
  verifier: OwnTokenVerifier;
  store: GrantStore;
  audit: AuditLog;
  maxBodyBytes: number;
}): Router {
  const revoke: RequestHandler = async (req, res) => {
    const { token } = parseParams(body, req.body);
    const claims = await options.verifier.verify(token);
    if (claims) {
      const result = await options.store.revokeGrant(claims.sub, claims.jti, 'revoked by agent');
      options.audit.record({
        event: 'token_revoked',
        agent: claims.sub,
        task: claims.task_id,
        jti: claims.jti,
        revoked: result.revoked,
      });
    }
    res.status(200).end();
  };
  return Router().post('/revoke', noStore, ...parseBody(options.maxBodyBytes), revoke);
}
