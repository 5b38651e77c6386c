import express, { type Express } from 'express';
import { MandateError } from '../errors.js';
import type { TokenExchange } from '../exchange/token-exchange.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ApiKeys } from '../operators/api-keys.js';
import type { Logger } from '../platform/logger.js';
import type { KeyRing } from '../tokens/key-ring.js';
import { errorHandler } from './error-handler.js';
import { healthRoutes } from './routes/health.js';
import { tokenExchangeRoutes } from './routes/token-exchange.js';
import { wellKnownRoutes } from './routes/well-known.js';

/** What the HTTP layer serves; it knows nothing of Redis, Cedar or key files. */
export interface HttpAppOptions {
  readonly issuer: string;
  /** API keys of operators and resource servers, for the /v1 routes and /introspect. */
  readonly operatorKeys: ApiKeys;
  readonly exchange: TokenExchange;
  readonly keyRing: KeyRing;
  readonly store: GrantStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

/** Builds the express app with every public route and the one error handler. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(tokenExchangeRoutes(options));
  app.use(wellKnownRoutes(options));
  app.use(healthRoutes(options));
  app.use((req, _res, next) => {
    next(new MandateError('not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(options.logger));
  return app;
}
