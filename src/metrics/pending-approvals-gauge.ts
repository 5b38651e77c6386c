import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../platform/clock.js';

/**
 * How long one reading of the pending approvals serves scrapes, ms. A reading is one count of
 * the store's pending index (one Redis round trip), and however many Prometheus servers scrape
 * however often, each replica reads at most this often.
 */
export const PENDING_APPROVALS_REFRESH_MS = 15_000;

/**
 * Registers `mandate_approvals_pending`, read from the approval store when scraped: at most once
 * per {@link PENDING_APPROVALS_REFRESH_MS}, one read at a time, the last good value kept while a
 * read fails (the failure counts in `mandate_store_errors_total`). Replicas sharing Redis all
 * report the same number: aggregate it with `max`, not `sum`.
 *
 * @example
 * registerPendingApprovalsGauge(registry, { countPending: () => gate.countPending(), clock });
 */
export function registerPendingApprovalsGauge(
  registry: Registry,
  options: { countPending: () => Promise<number>; clock: Clock },
): void {
  let value = 0;
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;
  const refresh = async () => {
    try {
      value = await options.countPending();
    } catch {
      // keep the last good value; the store error is counted where it happened
    } finally {
      readAt = options.clock.now();
      reading = undefined;
    }
  };
  new Gauge({
    name: 'mandate_approvals_pending',
    help: 'Approvals waiting for an operator (shared by replicas on one Redis; aggregate with max).',
    registers: [registry],
    // Every worker of one instance reads the same store: their readings are one number.
    aggregator: 'max',
    async collect() {
      if (options.clock.now() - readAt >= PENDING_APPROVALS_REFRESH_MS)
        await (reading ??= refresh());
      this.set(value);
    },
  });
}
