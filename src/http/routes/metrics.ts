import { Router } from 'express';
import type { Metrics } from '../../metrics/metrics.js';

/**
 * `GET /metrics` (Prometheus text format), mounted on the operator listener when `admin.listen`
 * is set, else on the public one, and nowhere with `admin.metrics: false`.
 */
export function metricsRoutes(options: { metrics: Metrics }): Router {
  return Router().get('/metrics', async (_req, res) => {
    res
      .set('Content-Type', options.metrics.registry.contentType)
      .send(await options.metrics.registry.metrics());
  });
}
