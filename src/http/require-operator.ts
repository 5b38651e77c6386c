import type { Request, RequestHandler } from 'express';
import { MandateError } from '../errors.js';
import type { ApiKeys } from '../operators/api-keys.js';
import { bearerCredential } from './bearer-credential.js';
import { hasRole, type Operator, type OperatorRole } from '../operators/operator.js';

/** Longer than any key `mandate operator key` makes; a longer credential is not looked up. */
const MAX_API_KEY_LENGTH = 512;

const authenticated = new WeakMap<Request, Operator>();
const refused = new WeakMap<Request, OperatorRole>();

/** The operator a request was authenticated as (set by {@link requireOperator}). */
export function operatorOf(req: Request): Operator {
  const operator = authenticated.get(req);
  if (!operator) throw new Error('operatorOf() called on a route without requireOperator()');
  return operator;
}

/** Who acts, as an operator command names them: the key's name and the roles it holds. */
export function actingOperator(req: Request): { operator: string; roles: string[] } {
  const operator = operatorOf(req);
  return { operator: operator.name, roles: [...operator.roles].sort() };
}

/** The role an operator key was refused for on this request, for the error's challenge. */
export function refusedOperatorRole(req: Request): OperatorRole | undefined {
  return refused.get(req);
}

/**
 * Authenticates `Authorization: Bearer <api key>` (any case of the scheme) and checks the role. A missing or unknown
 * key is 401 `invalid_token`; a known key without the role is 403 `insufficient_scope`
 * (RFC 6750), both answered with a `WWW-Authenticate` challenge, the 403's naming the role
 * (http/error-responses.ts).
 */
export function requireOperator(keys: ApiKeys, role: OperatorRole): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization');
    const key = bearerCredential(header, MAX_API_KEY_LENGTH);
    const operator = key === undefined ? undefined : keys.authenticate(key);
    if (!operator) {
      refused.set(req, role);
      next(
        new MandateError(
          'invalid_token',
          header === undefined ? 'an operator API key is required' : 'the API key is not valid',
        ),
      );
      return;
    }
    if (!hasRole(operator, role)) {
      refused.set(req, role);
      next(new MandateError('insufficient_scope', `this action needs the ${role} role`));
      return;
    }
    // a route that tries a second role (the feed) keeps no stale refusal once one passed
    refused.delete(req);
    authenticated.set(req, operator);
    next();
  };
}
