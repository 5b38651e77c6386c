import { Router } from 'express';
import type { Metrics } from '../../metrics/metrics.js';

/**
 * `GET /metrics` (Prometheus text format), mounted on the operator listener when `admin.listen`
 * is set, else on the public one, and nowhere with `admin.metrics: false`. Under
 * `--workers N`, `scrapeMetrics` answers for every worker, whichever one takes the scrape.
 */
export function metricsRoutes(options: {
  metrics: Metrics;
  scrapeMetrics?: () => Promise<string>;
}): Router {
  const scrape = options.scrapeMetrics ?? (() => options.metrics.registry.metrics());
  return Router().get('/metrics', async (_req, res) => {
    res.set('Content-Type', options.metrics.registry.contentType).send(await scrape());
  });
}
