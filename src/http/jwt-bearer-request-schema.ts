import { z } from 'zod';
import { MandateError } from '../errors.js';
import { JWT_TOKEN_TYPE, type ExchangeRequest } from '../exchange/exchange-request.js';
import {
  grantFields,
  JWT_BEARER_GRANT,
  once,
  taskRequest,
  taskRequestFields,
} from './exchange-request-schema.js';

const requestSchema = z.object({
  assertion: once('assertion').min(1, 'assertion is empty'),
  ...taskRequestFields,
});

/**
 * Token-exchange parameters that mean nothing for a jwt-bearer grant: refused by name rather
 * than ignored, so a client never believes it delegated or chose a token type.
 */
const NOT_FOR_JWT_BEARER = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
] as const;

/** Whether a body asks for the RFC 7523 jwt-bearer grant. */
export function isJwtBearerRequest(body: unknown): boolean {
  return (body as Record<string, unknown> | undefined)?.grant_type === JWT_BEARER_GRANT;
}

/**
 * Validates an RFC 7523 jwt-bearer grant (section 2.1): `assertion` is a JWT-SVID or a trusted
 * OIDC token, and the rest names the task as a token exchange does (`scope`, `resource`,
 * `audience`, `authorization_details` or `intent`, `task_id`, ...). The assertion is then
 * verified exactly as a `subject_token` of type jwt is.
 *
 * @example
 * parseJwtBearerRequest({ grant_type: JWT_BEARER_GRANT, assertion: svid, resource, authorization_details });
 */
export function parseJwtBearerRequest(body: unknown): ExchangeRequest {
  const { fields, parsed: req } = grantFields(body, requestSchema, JWT_BEARER_GRANT);
  const unused = NOT_FOR_JWT_BEARER.find((name) => fields[name] !== undefined);
  if (unused !== undefined)
    throw new MandateError(
      'invalid_request',
      `${unused} is not taken with grant_type ${JWT_BEARER_GRANT}: the assertion is the subject; use the token-exchange grant to delegate`,
    );
  return {
    grant: 'jwt-bearer',
    subjectToken: req.assertion,
    subjectTokenType: JWT_TOKEN_TYPE,
    ...taskRequest(req),
  };
}
