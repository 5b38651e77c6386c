import { Router, type Response } from 'express';
import type { Logger } from '../../platform/logger.js';
import type { ShutdownSignal } from '../../platform/shutdown-signal.js';

/**
 * `/healthz` (process up) and `/readyz` (not shutting down, store reachable, every trust
 * domain's keys loaded).
 */
export function healthRoutes(options: {
  /** Resolves when the store can serve requests; rejects otherwise. */
  pingStore: () => Promise<void>;
  logger: Logger;
  pendingTrustDomains: () => readonly string[];
  shutdown: Pick<ShutdownSignal, 'begun'>;
  /**
   * What a ready answer shows beside its status: work that is retrying without making the
   * broker unfit to serve (the AWS revoker, docs/aws.md).
   */
  readinessDetail?: () => Record<string, unknown>;
}): Router {
  const unavailable = (res: Response, reason: string) =>
    res.status(503).set('Retry-After', '1').json({ status: 'unavailable', reason });
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      // First: a draining broker leaves the load balancer at once, whatever else holds.
      if (options.shutdown.begun) {
        unavailable(res, 'shutting down');
        return;
      }
      const pending = options.pendingTrustDomains();
      if (pending.length > 0) {
        unavailable(res, `no trust bundle yet for ${pending.join(', ')}`);
        return;
      }
      try {
        await options.pingStore();
        res.json({ status: 'ready', ...options.readinessDetail?.() });
      } catch (err) {
        options.logger.warn({ err }, 'readiness check failed: store unreachable');
        unavailable(res, 'store unreachable');
      }
    });
}
