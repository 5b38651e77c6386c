import { Router, type Response } from 'express';
import type { AuditSinkHealth } from '../../audit/audit-sink.js';
import type { Logger } from '../../platform/logger.js';
import type { ShutdownSignal } from '../../platform/shutdown-signal.js';

/**
 * `/healthz` (process up) and `/readyz` (not shutting down, every worker warm, store reachable, every trust
 * domain's keys loaded; with `audit.required`, every audit sink writing). Its answer lists each
 * audit sink's state (`audit`), so a failing sink shows even while the broker stays ready.
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
  auditHealth: () => readonly AuditSinkHealth[];
  auditRequired: boolean;
  /** Why the instance must not take traffic yet (workers still warming); absent: never. */
  warming?: () => string | undefined;
}): Router {
  const unavailable = (res: Response, reason: string, audit?: readonly AuditSinkHealth[]) =>
    res
      .status(503)
      .set('Retry-After', '1')
      .json({ status: 'unavailable', reason, ...(audit ? { audit } : {}) });
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
      const warming = options.warming?.();
      if (warming !== undefined) {
        unavailable(res, warming);
        return;
      }
      const pending = options.pendingTrustDomains();
      if (pending.length > 0) {
        unavailable(res, `no trust bundle yet for ${pending.join(', ')}`);
        return;
      }
      const audit = options.auditHealth();
      const failing = audit.filter((s) => !s.ok);
      if (options.auditRequired && failing.length > 0) {
        unavailable(res, `audit sink failing: ${failing.map((s) => s.sink).join(', ')}`, audit);
        return;
      }
      try {
        await options.pingStore();
        res.json({ status: 'ready', audit, ...options.readinessDetail?.() });
      } catch (err) {
        options.logger.warn({ err }, 'readiness check failed: store unreachable');
        unavailable(res, 'store unreachable');
      }
    });
}
