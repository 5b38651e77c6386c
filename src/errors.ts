/**
 * Every refusal the broker makes, as a stable code. Codes are OAuth error codes (RFC 6749,
 * RFC 6750, RFC 8693, RFC 8628) where one fits, and Mandate's own where an agent must tell
 * refusals apart. The core throws codes only; the HTTP layer maps each to its status, headers
 * and wire `error` in one table (http/error-responses.ts). A list at run time, so metrics start
 * every code at zero.
 */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  /** RFC 9396 section 5: `authorization_details` malformed, of an unknown type or too wide. */
  'invalid_authorization_details',
  'invalid_token',
  'insufficient_scope',
  'access_denied',
  'task_halted',
  'approval_required',
  'authorization_pending',
  'expired_token',
  'rate_limited',
  'not_found',
  /** The thing exists but is not in a state that allows the change (an approval decided). */
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'temporarily_unavailable',
  'server_error',
] as const;
/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What the caller is told beyond the code and description (e.g. `approval_id`, `rule`). */
export type ErrorDetails = Record<string, string | number | string[]>;

/** Options for a {@link MandateError}. */
export interface MandateErrorOptions {
  /** Seconds after which a retry may succeed (a rate window, a store coming back). */
  retryAfter?: number;
  /** Extra wire members. */
  details?: ErrorDetails;
  /** The underlying error, logged but never sent. */
  cause?: unknown;
}

/**
 * The one error type of the broker. `description` is sent to the caller, so it names the
 * problem without echoing secrets or token content.
 *
 * @example
 * throw new MandateError('invalid_target', 'unknown audience "billing"');
 */
export class MandateError extends Error {
  override readonly name = 'MandateError';
  readonly code: ErrorCode;
  /** Seconds after which a retry may succeed, when the refusal is temporary. */
  readonly retryAfter: number | undefined;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, description: string, options: MandateErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }
}

/** True for a {@link MandateError}, whatever realm it came from. */
export function isMandateError(err: unknown): err is MandateError {
  return err instanceof MandateError;
}
