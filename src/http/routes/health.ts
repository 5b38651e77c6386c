import { Router, type Response } from 'express';
import type { Metrics } from '../../metrics/metrics.js';
import type { Logger } from '../../platform/logger.js';

/**
 * `/healthz` (process up), `/readyz` (store reachable, every trust domain's keys loaded) and
 * `/metrics`.
 */
export function healthRoutes(options: {
  /** Resolves when the store can serve requests; rejects otherwise. */
  pingStore: () => Promise<void>;
  metrics: Metrics;
  logger: Logger;
  pendingTrustDomains: () => readonly string[];
}): Router {
  const unavailable = (res: Response, reason: string) =>
    res.status(503).set('Retry-After', '1').json({ status: 'unavailable', reason });
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      const pending = options.pendingTrustDomains();
      if (pending.length > 0) {
        unavailable(res, `no trust bundle yet for ${pending.join(', ')}`);
        return;
      }
      try {
        await options.pingStore();
        res.json({ status: 'ready' });
      } catch (err) {
        options.logger.warn({ err }, 'readiness check failed: store unreachable');
        unavailable(res, 'store unreachable');
      }
    })
    .get('/metrics', async (_req, res) => {
      res
        .set('Content-Type', options.metrics.registry.contentType)
        .send(await options.metrics.registry.metrics());
    });
}
