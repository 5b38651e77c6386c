import type { ErrorCode, MandateError } from '../errors.js';

/**
 * The `error` strings a client reads. RFC 6749 defines a handful, so a code the core tells
 * apart only for its own sake (`conflict`, `payload_too_large`, `unsupported_media_type`) goes
 * out as `invalid_request` with its own status.
 */
export type WireErrorCode = Exclude<
  ErrorCode,
  'conflict' | 'payload_too_large' | 'unsupported_media_type'
>;

/** What the HTTP layer knows of a refused request beyond its error. */
export interface RefusalContext {
  /** The role an operator API key needed, when the route's operator check refused the caller. */
  readonly operatorRole?: string;
}

/** How one code is answered: status, wire `error`, and the headers it needs. */
interface ErrorResponse {
  readonly status: number;
  readonly error: WireErrorCode;
  readonly headers?: (err: MandateError, context: RefusalContext) => Record<string, string>;
}

/** `Retry-After` when the refusal says when a retry may succeed. */
const retryAfter = (err: MandateError): Record<string, string> =>
  err.retryAfter === undefined ? {} : { 'Retry-After': String(err.retryAfter) };

/**
 * The RFC 6750 challenge of the operator-key scheme, naming the role a 403 lacked. Only a route
 * guarded by an operator key challenges: an agent's bearer token (task completion) has no realm
 * an agent could log in to.
 */
const bearerChallenge =
  (error: 'invalid_token' | 'insufficient_scope') =>
  (_err: MandateError, context: RefusalContext): Record<string, string> => {
    if (context.operatorRole === undefined) return {};
    const scope = error === 'insufficient_scope' ? `, scope="${context.operatorRole}"` : '';
    return { 'WWW-Authenticate': `Bearer realm="mandate", error="${error}"${scope}` };
  };

/** The one table: every code's status, wire `error` and headers. */
const RESPONSES: Record<ErrorCode, ErrorResponse> = {
  invalid_request: { status: 400, error: 'invalid_request' },
  invalid_client: {
    status: 401,
    error: 'invalid_client',
    headers: () => ({ 'WWW-Authenticate': 'Basic realm="mandate"' }),
  },
  invalid_grant: { status: 400, error: 'invalid_grant' },
  unsupported_grant_type: { status: 400, error: 'unsupported_grant_type' },
  invalid_scope: { status: 400, error: 'invalid_scope' },
  invalid_target: { status: 400, error: 'invalid_target' },
  invalid_authorization_details: { status: 400, error: 'invalid_authorization_details' },
  invalid_token: { status: 401, error: 'invalid_token', headers: bearerChallenge('invalid_token') },
  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    headers: bearerChallenge('insufficient_scope'),
  },
  access_denied: { status: 403, error: 'access_denied' },
  task_halted: { status: 403, error: 'task_halted' },
  approval_required: { status: 403, error: 'approval_required' },
  authorization_pending: { status: 400, error: 'authorization_pending' },
  expired_token: { status: 400, error: 'expired_token' },
  rate_limited: { status: 429, error: 'rate_limited', headers: retryAfter },
  not_found: { status: 404, error: 'not_found' },
  conflict: { status: 409, error: 'invalid_request' },
  payload_too_large: { status: 413, error: 'invalid_request' },
  unsupported_media_type: { status: 415, error: 'invalid_request' },
  temporarily_unavailable: { status: 503, error: 'temporarily_unavailable', headers: retryAfter },
  server_error: { status: 500, error: 'server_error' },
};

/** A refusal as it goes on the wire. */
export interface WireError {
  readonly status: number;
  /** Every header of the answer, `Cache-Control: no-store` included. */
  readonly headers: Record<string, string>;
  readonly body: { error: WireErrorCode; error_description: string } & Record<string, unknown>;
}

/**
 * The answer to a refusal: the table's status and headers, and the RFC 6749 body
 * `{error, error_description, ...details}`.
 *
 * @example
 * const { status, headers, body } = wireError(new MandateError('not_found', 'no task T-1'));
 */
export function wireError(err: MandateError, context: RefusalContext = {}): WireError {
  const response = RESPONSES[err.code];
  return {
    status: response.status,
    headers: { 'Cache-Control': 'no-store', ...response.headers?.(err, context) },
    body: { error: response.error, error_description: err.message, ...(err.details ?? {}) },
  };
}
