import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenExchange } from '../../exchange/token-exchange.js';
import type { TransactionTokenExchange } from '../../exchange/transaction-token-exchange.js';
import type { Logger } from '../../platform/logger.js';
import { refusalAnswer, requestFields } from '../error-handler.js';
import { parseExchangeRequest } from '../exchange-request-schema.js';
import { isJwtBearerRequest, parseJwtBearerRequest } from '../jwt-bearer-request-schema.js';
import { ClientGone, readBody } from '../read-body.js';
import { incomingTraceContext } from '../trace-context.js';
import {
  isTransactionTokenRequest,
  parseTransactionTokenRequest,
} from '../txn-token-request-schema.js';

/** Headers of every answer of the token endpoint (RFC 6749 section 5.1; no sniffing). */
const ANSWER_HEADERS = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Content-Type': 'application/json; charset=utf-8',
} as const;

/** Whether a request is for the token endpoint: POST, the path in any case, one optional `/`. */
export function isTokenEndpoint(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url === undefined) return false;
  const end = req.url.indexOf('?');
  const path = (end === -1 ? req.url : req.url.slice(0, end)).toLowerCase();
  return path === '/token-exchange' || path === '/token-exchange/';
}

function write(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...ANSWER_HEADERS,
    ...headers,
    'Content-Length': Buffer.byteLength(json),
    // A body left unread would be the next request's start: the connection ends instead.
    ...(req.complete ? {} : { Connection: 'close' }),
  });
  res.end(json);
}

/**
 * `POST /token-exchange`, the token endpoint, on node:http alone, since it runs before every
 * tool call of every agent: read the body (read-body.ts), then exchange: an access token for a
 * task (RFC 8693 token exchange, or an RFC 7523 jwt-bearer grant, which run the same use case),
 * or (`requested_token_type` txn_token) a transaction token for an access token. Refusals are
 * answered and logged as on every other route (error-handler.ts `refusalAnswer`).
 */
export function tokenExchangeHandler(options: {
  exchange: TokenExchange;
  transactionTokens: TransactionTokenExchange;
  maxBodyBytes: number;
  logger: Logger;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = async (req: IncomingMessage): Promise<unknown> => {
    const body = await readBody(req, options.maxBodyBytes);
    if (isTransactionTokenRequest(body))
      return options.transactionTokens.exchange(
        parseTransactionTokenRequest(body, req.socket.remoteAddress),
      );
    const request = isJwtBearerRequest(body)
      ? parseJwtBearerRequest(body)
      : parseExchangeRequest(body);
    return options.exchange.exchange(request, incomingTraceContext(req.headers));
  };
  return (req, res) => {
    answer(req).then(
      (body) => write(req, res, 200, body),
      (err: unknown) => {
        const request = requestFields(req, '/token-exchange');
        if (err instanceof ClientGone) {
          options.logger.debug(request, 'client closed the connection before its request was read');
          return;
        }
        const refusal = refusalAnswer(options.logger, err, request);
        write(req, res, refusal.status, refusal.body, refusal.headers);
      },
    );
  };
}
