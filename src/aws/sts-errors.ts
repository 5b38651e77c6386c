import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';

/** STS error codes that say "later", as AWS spells them (and the SDK names them). */
const TEMPORARY = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'IDPCommunicationError',
  'IDPCommunicationErrorException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** What an SDK error tells about itself: its code (`name`) and the HTTP status, if any. */
interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $fault?: 'client' | 'server';
}

/**
 * Turns a failed STS call into the agent's answer: STS refused (AccessDenied and the other
 * client faults) -> 403 `access_denied` naming the STS code; the session policy and tags too
 * large once packed -> 400 `invalid_request`; throttling, a server fault or no answer at all
 * -> 503 `temporarily_unavailable` with `Retry-After`. AWS's message is logged, never sent: it
 * names the broker's own principal.
 *
 * @example
 * throw stsRefusal(err); // MandateError('access_denied', 'AWS STS refused the session: AccessDenied', ...)
 */
export function stsRefusal(err: unknown): MandateError {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const code = e.name ?? 'Error';
  if (code === 'CredentialsProviderError')
    return temporary(
      'the broker could not load its own AWS credentials',
      'CredentialsProviderError',
      err,
    );
  if (status === undefined || TEMPORARY.has(code) || status >= 500 || e.$fault === 'server')
    return temporary(
      status === undefined ? 'AWS STS did not answer' : `AWS STS is unavailable (${code})`,
      status === undefined ? 'network' : code,
      err,
    );
  if (code.startsWith('PackedPolicyTooLarge'))
    return new MandateError(
      'invalid_request',
      `AWS STS refused the session: ${code} (the session policy and tags are too large once packed); ask for fewer scopes or targets`,
      { details: { aws_error: code }, cause: err },
    );
  return new MandateError('access_denied', `AWS STS refused the session: ${code}`, {
    details: { aws_error: code },
    cause: err,
  });
}

function temporary(description: string, code: string, cause: unknown): MandateError {
  return new MandateError('temporarily_unavailable', `${description}; retry later`, {
    retryAfter: DEFAULTS.aws.stsRetryAfterSeconds,
    details: { aws_error: code },
    cause,
  });
}
