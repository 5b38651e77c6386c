import { Router, type RequestHandler } from 'express';
import type { TokenExchange } from '../../exchange/token-exchange.js';
import type { TransactionTokenExchange } from '../../exchange/transaction-token-exchange.js';
import { parseExchangeRequest } from '../exchange-request-schema.js';
import { isJwtBearerRequest, parseJwtBearerRequest } from '../jwt-bearer-request-schema.js';
import { noStore, parseBody } from '../parse-body.js';
import { incomingTraceContext } from '../trace-context.js';
import {
  isTransactionTokenRequest,
  parseTransactionTokenRequest,
} from '../txn-token-request-schema.js';

/**
 * `POST /token-exchange`, the token endpoint, as named steps: noStore, parseBody, then exchange:
 * an access token for a task (RFC 8693 token exchange, or an RFC 7523 jwt-bearer grant, which
 * run the same use case), or (`requested_token_type` txn_token) a transaction token for an
 * access token. The route carries no middleware it does not need: this is the hot path.
 */
export function tokenExchangeRoutes(options: {
  exchange: TokenExchange;
  transactionTokens: TransactionTokenExchange;
  maxBodyBytes: number;
}): Router {
  const exchange: RequestHandler = async (req, res) => {
    if (isTransactionTokenRequest(req.body)) {
      const request = parseTransactionTokenRequest(req.body, req.ip);
      res.json(await options.transactionTokens.exchange(request));
      return;
    }
    const request = isJwtBearerRequest(req.body)
      ? parseJwtBearerRequest(req.body)
      : parseExchangeRequest(req.body);
    res.json(await options.exchange.exchange(request, incomingTraceContext(req.headers)));
  };
  return Router().post('/token-exchange', noStore, ...parseBody(options.maxBodyBytes), exchange);
}
