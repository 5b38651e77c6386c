import { Router } from 'express';
import type { GrantStore } from '../../grants/grant-store.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Logger } from '../../platform/logger.js';

/** `/healthz` (process up), `/readyz` (store reachable, keys loaded) and `/metrics`. */
export function healthRoutes(options: {
  store: GrantStore;
  metrics: Metrics;
  logger: Logger;
}): Router {
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      try {
        await options.store.ping();
        res.json({ status: 'ready' });
      } catch (err) {
        options.logger.warn({ err }, 'readiness check failed: store unreachable');
        res
          .status(503)
          .set('Retry-After', '1')
          .json({ status: 'unavailable', reason: 'store unreachable' });
      }
    })
    .get('/metrics', async (_req, res) => {
      res
        .set('Content-Type', options.metrics.registry.contentType)
        .send(await options.metrics.registry.metrics());
    });
}
