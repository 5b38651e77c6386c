import { AggregatorRegistry } from 'prom-client';
import { CACHES } from '../../src/metrics/label-values.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { cacheCounts, scrapeRegistry } from './exposition.js';

describe('mandate_cache_lookups_total and mandate_cache_evictions_total', () => {
  it('start every cache at zero, as counters with help', async () => {
    const m = await scrapeRegistry(createMetrics().registry);
    for (const cache of CACHES)
      expect([cache, cacheCounts(m, cache)]).toEqual([cache, { hit: 0, miss: 0, evicted: 0 }]);
    for (const name of ['mandate_cache_lookups_total', 'mandate_cache_evictions_total']) {
      expect(m.type.get(name)).toBe('counter');
      expect(m.help.get(name)).toMatch(/cache/);
    }
    const labelled = m.samples.filter((s) => s.name.startsWith('mandate_cache_'));
    expect(labelled).toHaveLength(CACHES.length * 3); // hit, miss, evicted per cache: no other series
  });

  it('count what each cache reports, apart from the other cache', async () => {
    const metrics = createMetrics();
    const decisions = metrics.caches.policy_decision;
    decisions.hit();
    decisions.hit();
    decisions.miss();
    metrics.caches.subject_token.evicted();
    const m = await scrapeRegistry(metrics.registry);
    expect(cacheCounts(m, 'policy_decision')).toEqual({ hit: 2, miss: 1, evicted: 0 });
    expect(cacheCounts(m, 'subject_token')).toEqual({ hit: 0, miss: 0, evicted: 1 });
    // a second scrape reports the same totals, not twice them
    expect(cacheCounts(await scrapeRegistry(metrics.registry), 'policy_decision')).toEqual({
      hit: 2,
      miss: 1,
      evicted: 0,
    });
  });

  it('are summed across workers, as `mandate serve --workers N` aggregates them', async () => {
    const worker = async (hits: number, evictions: number) => {
      const metrics = createMetrics();
      for (let i = 0; i < hits; i++) metrics.caches.subject_token.hit();
      for (let i = 0; i < evictions; i++) metrics.caches.policy_decision.evicted();
      return metrics.registry.getMetricsAsJSON();
    };
    const aggregated = AggregatorRegistry.aggregate([await worker(3, 1), await worker(2, 4)]);
    const m = await scrapeRegistry(aggregated);
    expect(cacheCounts(m, 'subject_token')).toEqual({ hit: 5, miss: 0, evicted: 0 });
    expect(cacheCounts(m, 'policy_decision')).toEqual({ hit: 0, miss: 0, evicted: 5 });
  });
});
