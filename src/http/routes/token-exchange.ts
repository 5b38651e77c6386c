import { Router, type RequestHandler } from 'express';
import type { TokenExchange } from '../../exchange/token-exchange.js';
import { parseExchangeRequest } from '../exchange-request-schema.js';
import { noStore, parseBody } from '../parse-body.js';

/**
 * `POST /token-exchange` (RFC 8693), as named steps: noStore, parseBody, then exchange.
 * The route carries no middleware it does not need: this is the hot path.
 */
export function tokenExchangeRoutes(options: {
  exchange: TokenExchange;
  maxBodyBytes: number;
}): Router {
  const exchange: RequestHandler = async (req, res) => {
    const request = parseExchangeRequest(req.body);
    res.json(await options.exchange.exchange(request));
  };
  return Router().post('/token-exchange', noStore, ...parseBody(options.maxBodyBytes), exchange);
}
