import { createMetrics } from '../../src/metrics/metrics.js';
import { LruMap } from '../../src/platform/lru-map.js';
import { cacheCounts, scrapeRegistry } from '../metrics/exposition.js';

describe('LruMap', () => {
  it('keeps at most its size, dropping the least recently used', () => {
    const cache = new LruMap<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // now b is the oldest
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('refuses a size that bounds nothing', () => {
    expect(() => new LruMap(0)).toThrow(/positive integer, got 0/);
    expect(() => new LruMap(1.5)).toThrow(RangeError);
  });

  it('reports each entry the bound pushes out as an eviction, and only those', async () => {
    const metrics = createMetrics();
    const evicted = async () =>
      cacheCounts(await scrapeRegistry(metrics.registry), 'policy_decision').evicted;
    const cache = new LruMap<number>(2, metrics.caches.policy_decision);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('b', 3); // replaced in place
    expect(await evicted()).toBe(0);
    cache.set('c', 4); // a third distinct key: a goes
    expect(await evicted()).toBe(1);
    cache.delete('b');
    cache.set('d', 5); // room left by the delete
    cache.clear();
    expect(cache.size).toBe(0);
    expect(await evicted()).toBe(1);
  });
});
