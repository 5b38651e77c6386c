import type { ErrorRequestHandler, Request, Response } from 'express';
import { MandateError, isMandateError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { wireError, type RefusalContext, type WireError } from './error-responses.js';
import { refusedOperatorRole } from './require-operator.js';

/** Writes a refusal's status, headers and RFC 6749 body. */
function send(res: Response, answer: WireError): void {
  res.status(answer.status).set(answer.headers).json(answer.body);
}

/** Writes a refusal as the error table answers it (http/error-responses.ts). */
export function sendError(res: Response, err: MandateError, context: RefusalContext = {}): void {
  send(res, wireError(err, context));
}

/** What body-parser (and zlib under it) says of a body it could not read. */
interface BodyParserError {
  type?: unknown;
  limit?: unknown;
  status?: unknown;
  expose?: unknown;
  code?: unknown;
}

/** Body-parser failures, turned into the refusal a client can act on. */
function fromBodyParser(err: BodyParserError): MandateError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new MandateError(
        'payload_too_large',
        `request body is larger than ${String(err.limit)} bytes`,
      );
    case 'entity.parse.failed':
      return new MandateError('invalid_request', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new MandateError('unsupported_media_type', 'request body encoding is not supported');
    case 'parameters.too.many':
      return new MandateError('invalid_request', 'request has too many parameters');
    case 'request.size.invalid':
      return new MandateError('invalid_request', 'request body does not match its Content-Length');
    default:
      // A body its Content-Encoding cannot decode (corrupt gzip, deflate or br): body-parser
      // passes zlib's error on as a 400 it would show the client.
      if (err.status === 400 && typeof err.code === 'string' && /^(Z_|ERR_)/.test(err.code)) {
        return new MandateError(
          'invalid_request',
          'request body could not be decoded as its Content-Encoding says',
        );
      }
      return undefined;
  }
}

/** The client went away before its body was read: nobody to answer, nothing went wrong. */
function clientGone(err: BodyParserError, req: Request): boolean {
  return err.type === 'request.aborted' || (err.expose === true && req.socket.destroyed);
}

/** The role an operator key lacked on this request, for the challenge of its refusal. */
function refusedRole(req: Request): RefusalContext {
  const role = refusedOperatorRole(req);
  return role === undefined ? {} : { operatorRole: role };
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
    const raw = (err ?? {}) as BodyParserError;
    if (!isMandateError(err) && clientGone(raw, req)) {
      logger.debug(
        { ...requestFields(req) },
        'client closed the connection before its request was read',
      );
      return;
    }
    const known = isMandateError(err) ? err : fromBodyParser(raw);
    if (known) {
      const answer = wireError(known, refusedRole(req));
      const { status, body } = answer;
      if (status < 500) {
        const cause = known.cause instanceof Error ? { detail: known.cause.message } : {};
        logger.info(
          {
            // the code the caller was told, as operators grep for it
            code: body.error,
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
      send(res, answer);
      return;
    }
    logger.error({ err, ...requestFields(req) }, 'unhandled error');
    sendError(res, new MandateError('server_error', 'internal error'));
  };
}
