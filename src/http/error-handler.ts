import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { MandateError, isMandateError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { wireError, type RefusalContext, type WireError } from './error-responses.js';
import { ClientGone } from './read-body.js';
import { refusedOperatorRole } from './require-operator.js';

/** Writes a refusal's status, headers and RFC 6749 body. */
function send(res: Response, answer: WireError): void {
  res.status(answer.status).set(answer.headers);
  // A body left unread would be the next request's start: the connection ends instead.
  if (!res.req.complete) res.set('Connection', 'close');
  res.json(answer.body);
}

/** Writes a refusal as the error table answers it (http/error-responses.ts). */
export function sendError(res: Response, err: MandateError, context: RefusalContext = {}): void {
  send(res, wireError(err, context));
}

/** The role an operator key lacked on this request, for the challenge of its refusal. */
function refusedRole(req: Request): RefusalContext {
  const role = refusedOperatorRole(req);
  return role === undefined ? {} : { operatorRole: role };
}

/** What a log line says of the request that was refused: no body, no query, no secrets. */
export function requestFields(req: IncomingMessage, route?: unknown): Record<string, string> {
  const id = req.headers['x-request-id'];
  const url = req.url ?? '';
  const query = url.indexOf('?');
  return {
    method: req.method ?? '',
    path: query === -1 ? url : url.slice(0, query),
    // The route's pattern names the endpoint without the ids in its path.
    ...(typeof route === 'string' ? { route } : {}),
    ...(typeof id === 'string' ? { request_id: id } : {}),
  };
}

/** The fields of an express request, with the pattern of the route it matched. */
function expressRequestFields(req: Request): Record<string, string> {
  // express types `req.route` as any; it is the matched Route, whose `path` is its pattern.
  return requestFields(req, (req.route as { path?: unknown } | undefined)?.path);
}

/**
 * The answer to a failed request, logged: known refusals go on the wire as they are; anything
 * else is a `server_error` with no detail on the wire and the full error in the log.
 *
 * An expected refusal (4xx) is one compact `info` line: code, status, description, the
 * log-only detail of its cause, and the request; no stack, since nothing went wrong in the
 * broker. A known 5xx (the store is down) keeps its cause's stack at `warn`; an unknown error
 * its full stack at `error`. The logger bounds every value (platform/bound-for-log.ts).
 */
export function refusalAnswer(
  logger: Logger,
  err: unknown,
  request: Record<string, string>,
  context: RefusalContext = {},
): WireError {
  if (!isMandateError(err)) {
    logger.error({ err, ...request }, 'unhandled error');
    return wireError(new MandateError('server_error', 'internal error'));
  }
  const known = err;
  const answer = wireError(known, context);
  const { status, body } = answer;
  if (status < 500) {
    const cause = known.cause instanceof Error ? { detail: known.cause.message } : {};
    logger.info(
      // the code the caller was told, as operators grep for it
      { code: body.error, status, description: known.message, ...cause, ...request },
      'request refused',
    );
  } else {
    logger.warn({ err: known.cause ?? known, code: known.code, ...request }, known.message);
  }
  return answer;
}

/** The one error handler of the express routes: {@link refusalAnswer}, written. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof ClientGone) {
      logger.debug(
        { ...expressRequestFields(req) },
        'client closed the connection before its request was read',
      );
      return;
    }
    send(res, refusalAnswer(logger, err, expressRequestFields(req), refusedRole(req)));
  };
}
