import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { RedisAuditReader } from '../../audit/redis-audit-reader.js';
import { MandateError } from '../../errors.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore } from '../parse-body.js';
import { requireOperator } from '../require-operator.js';
import {
  agentParam,
  grantParam,
  nextCursor,
  pageParams,
  pageRequest,
  parseParams,
  taskParam,
} from './query.js';

/** What the audit route needs. */
export interface AuditRoutesOptions {
  readonly operatorKeys: ApiKeys;
  /** The Redis audit stream; absent without a Redis sink (then 404). */
  readonly auditReader?: Pick<RedisAuditReader, 'page'>;
}

const time = z.iso.datetime({ offset: true, error: 'is an RFC 3339 date-time' });
const auditQuery = z.object({
  agent: agentParam.optional(),
  task: taskParam.optional(),
  jti: grantParam.optional(),
  event: z
    .string()
    .regex(/^[a-z_]{1,64}$/, 'is an event name')
    .optional(),
  outcome: z.enum(['granted', 'refused']).optional(),
  from: time.optional(),
  to: time.optional(),
  ...pageParams,
});

/**
 * `GET /v1/audit` (`viewer`): the audit trail's records in the Redis sink, newest first, filtered
 * by agent, task, jti, event, outcome and time range, a page at a time (`next_cursor`).
 */
export function auditRoutes(options: AuditRoutesOptions): Router {
  const viewer = requireOperator(options.operatorKeys, 'viewer');
  const list: RequestHandler = async (req, res) => {
    const q = parseParams(auditQuery, req.query);
    if (!options.auditReader)
      throw new MandateError(
        'not_found',
        'the audit trail is not queryable here: configure a redis sink in audit.sinks',
      );
    const page = await options.auditReader.page(
      {
        ...(q.agent !== undefined ? { agent: q.agent } : {}),
        ...(q.task !== undefined ? { task: q.task } : {}),
        ...(q.jti !== undefined ? { jti: q.jti } : {}),
        ...(q.event !== undefined ? { event: q.event } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
        ...(q.from !== undefined ? { fromMs: Date.parse(q.from) } : {}),
        ...(q.to !== undefined ? { toMs: Date.parse(q.to) } : {}),
      },
      pageRequest(q),
    );
    res.json({ records: page.items, ...nextCursor(page) });
  };
  return Router().use('/v1/audit', noStore).get('/v1/audit', viewer, list);
}
