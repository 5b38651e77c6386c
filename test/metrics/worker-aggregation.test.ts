import { AggregatorRegistry } from 'prom-client';
import { createMetrics } from '../../src/metrics/metrics.js';
import { registerPendingApprovalsGauge } from '../../src/metrics/pending-approvals-gauge.js';

// Under `mandate serve --workers N` a scrape is every worker's registry aggregated the way
// prom-client's AggregatorRegistry does it: each metric by its `aggregator`.
describe('metrics of several workers, aggregated', () => {
  async function worker(exchanges: number, pending: number) {
    const metrics = createMetrics();
    registerPendingApprovalsGauge(metrics.registry, {
      countPending: () => Promise.resolve(pending),
      clock: { now: () => 0 },
    });
    for (let i = 0; i < exchanges; i++) metrics.exchanges.inc({ outcome: 'granted' });
    return metrics.registry.getMetricsAsJSON();
  }

  it('sums counters, and reports the pending approvals the workers share once', async () => {
    const text = await AggregatorRegistry.aggregate([
      await worker(3, 4),
      await worker(2, 4),
    ]).metrics();
    expect(text).toMatch(/^mandate_exchanges_total\{outcome="granted"\} 5$/m);
    expect(text).toMatch(/^mandate_approvals_pending 4$/m);
    expect(text).toMatch(/^mandate_exchange_duration_seconds_count\{outcome="granted"\} 0$/m);
    expect(text).not.toMatch(/^process_start_time_seconds /m);
  });
});
