import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { TokenIntrospection } from '../../introspection/introspect-token.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import { noStore, parseBody } from '../parse-body.js';
import { operatorOf, requireOperator } from '../require-operator.js';
import { parseParams } from './query.js';

const body = z.object({
  token: z.string().min(1, 'is empty'),
  token_type_hint: z.string().optional(),
});

/**
 * `POST /introspect` (RFC 7662) for resource servers, authenticated with an operator API key
 * holding `resource_server`. Steps: noStore, authenticate, parseBody, introspect.
 */
export function introspectRoutes(options: {
  operatorKeys: ApiKeys;
  introspection: Pick<TokenIntrospection, 'introspect'>;
  maxBodyBytes: number;
}): Router {
  const introspect: RequestHandler = async (req, res) => {
    const { token } = parseParams(body, req.body);
    res.json(await options.introspection.introspect(token, operatorOf(req)));
  };
  return Router().post(
    '/introspect',
    noStore,
    requireOperator(options.operatorKeys, 'resource_server'),
    parseBody(options.maxBodyBytes),
    introspect,
  );
}
