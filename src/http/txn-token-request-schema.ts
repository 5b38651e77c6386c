import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';
import { ACCESS_TOKEN_TYPE } from '../exchange/exchange-request.js';
import {
  TXN_TOKEN_TYPE,
  type TransactionTokenRequest,
} from '../exchange/transaction-token-request.js';
import { once, tokenExchangeFields } from './exchange-request-schema.js';

const requestSchema = z.object({
  subject_token: once('subject_token').min(1, 'subject_token is empty'),
  subject_token_type: once('subject_token_type').refine(
    (t) => t === ACCESS_TOKEN_TYPE,
    `a transaction token is exchanged for an access token of this broker: subject_token_type must be ${ACCESS_TOKEN_TYPE}`,
  ),
  scope: once('scope').optional(),
  audience: once('audience').min(1, 'audience is empty').optional(),
});

/**
 * Parameters of an access-token exchange that mean nothing for a transaction token: refused by
 * name rather than ignored, so a caller never believes it bound a task, an intent or a lifetime.
 */
const NOT_FOR_TXN = [
  'actor_token',
  'actor_token_type',
  'intent',
  'authorization_details',
  'resource',
  'task_id',
  'approval_id',
  'requested_ttl',
] as const;

/** Whether an exchange body asks for a transaction token (`requested_token_type`). */
export function isTransactionTokenRequest(body: unknown): boolean {
  return (body as Record<string, unknown> | undefined)?.requested_token_type === TXN_TOKEN_TYPE;
}

/**
 * Validates a request for a transaction token (draft-ietf-oauth-transaction-tokens-10 section
 * 7.3): an RFC 8693 exchange of a Mandate access token, no audience or scope needed. Every
 * problem is an RFC 6749 error naming the parameter.
 */
export function parseTransactionTokenRequest(
  body: unknown,
  clientAddress: string | undefined,
): TransactionTokenRequest {
  const { fields, parsed: req } = tokenExchangeFields(body, requestSchema);
  const unused = NOT_FOR_TXN.find((name) => fields[name] !== undefined);
  if (unused !== undefined)
    throw new MandateError(
      'invalid_request',
      `${unused} is not taken with requested_token_type ${TXN_TOKEN_TYPE}: a transaction token carries the access token's task, intent and delegation`,
    );
  const scopes = req.scope?.split(' ').filter((s) => s.length > 0);
  if (scopes?.length === 0) throw new MandateError('invalid_scope', 'scope is empty');
  if (scopes && scopes.length > DEFAULTS.maxScopesPerRequest)
    throw new MandateError(
      'invalid_scope',
      `more than ${DEFAULTS.maxScopesPerRequest} scopes requested`,
    );
  return {
    subjectToken: req.subject_token,
    ...(scopes ? { scopes } : {}),
    ...(req.audience !== undefined ? { audience: req.audience } : {}),
    ...(clientAddress !== undefined ? { clientAddress } : {}),
  };
}
