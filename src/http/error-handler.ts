import type { ErrorRequestHandler, Request, Response } from 'express';
import { MandateError, isMandateError, type ErrorCode } from '../errors.js';
import type { Logger } from '../platform/logger.js';

/** The usual HTTP status of each error code. */
const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  task_halted: 403,
  approval_required: 403,
  authorization_pending: 400,
  expired_token: 400,
  rate_limited: 429,
  not_found: 404,
  temporarily_unavailable: 503,
  server_error: 500,
};

/** The HTTP status a refusal is answered with. */
function statusOf(err: MandateError): number {
  return err.status ?? STATUS[err.code];
}

/** Writes the RFC 6749 error body for a {@link MandateError}. */
export function sendError(res: Response, err: MandateError): void {
  const status = statusOf(err);
  res.status(status).set('Cache-Control', 'no-store');
  if (err.retryAfter !== undefined) res.set('Retry-After', String(err.retryAfter));
  if (status === 401 && err.code === 'invalid_client')
    res.set('WWW-Authenticate', 'Basic realm="mandate"');
  res.json({ error: err.code, error_description: err.message, ...(err.details ?? {}) });
}

/** Body-parser failures, turned into the refusal a client can act on. */
function fromBodyParser(err: { type?: unknown; limit?: unknown }): MandateError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new MandateError(
        'invalid_request',
        `request body is larger than ${String(err.limit)} bytes`,
        { status: 413 },
      );
    case 'entity.parse.failed':
      return new MandateError('invalid_request', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new MandateError('invalid_request', 'request body encoding is not supported', {
        status: 415,
      });
    case 'parameters.too.many':
      return new MandateError('invalid_request', 'request has too many parameters');
    default:
      return undefined;
  }
}

/** What a log line says of the request that was refused: no body, no query, no secrets. */
function requestFields(req: Request): Record<string, string> {
  const id = req.get('x-request-id');
  // express types `req.route` as any; it is the matched Route, whose `path` is its pattern.
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return {
    method: req.method,
    path: req.path,
    // The route's pattern names the endpoint without the ids in its path.
    ...(typeof route === 'string' ? { route } : {}),
    ...(id !== undefined ? { request_id: id } : {}),
  };
}

/**
 * The one error handler: known refusals go on the wire as they are; anything else is a
 * `server_error` with no detail on the wire and the full error in the log.
 *
 * An expected refusal (4xx) is one compact `info` line: code, status, description, the
 * log-only detail of its cause, and the request; no stack, since nothing went wrong in the
 * broker. A known 5xx (the store is down) keeps its cause's stack at `warn`; an unknown error
 * its full stack at `error`. The logger bounds every value (platform/bound-for-log.ts).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = isMandateError(err) ? err : fromBodyParser(err ?? {});
    if (known) {
      const status = statusOf(known);
      if (status < 500) {
        const cause = known.cause instanceof Error ? { detail: known.cause.message } : {};
        logger.info(
          {
            code: known.code,
            status,
            description: known.message,
            ...cause,
            ...requestFields(req),
          },
          'request refused',
        );
      } else {
        logger.warn(
          { err: known.cause ?? known, code: known.code, ...requestFields(req) },
          known.message,
        );
      }
      sendError(res, known);
      return;
    }
    logger.error({ err, ...requestFields(req) }, 'unhandled error');
    sendError(res, new MandateError('server_error', 'internal error'));
  };
}
