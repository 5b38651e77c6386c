import { Counter, type Registry } from 'prom-client';
import type { CacheObserver } from '../platform/cache-observer.js';
import { CACHES, CACHE_RESULTS } from './label-values.js';

/** A cache whose work is counted, as `mandate_cache_lookups_total{cache}`. */
export type CacheName = (typeof CACHES)[number];

/** The observer of each cache, to hand to the cache when the composition root builds it. */
export type CacheObservers = { readonly [C in CacheName]: CacheObserver };

/**
 * One cache's counts since start. A lookup adds 1 to a field and nothing else: even a bound
 * prom-client child hashes its labels into a new string on every `inc`, which the caches'
 * lookups (one per scope, one per subject token) need not pay for.
 */
class CacheTally implements CacheObserver {
  hits = 0;
  misses = 0;
  evictions = 0;

  hit(): void {
    this.hits += 1;
  }

  miss(): void {
    this.misses += 1;
  }

  evicted(): void {
    this.evictions += 1;
  }
}

/**
 * Registers `mandate_cache_lookups_total{cache, result}` and `mandate_cache_evictions_total{cache}`
 * and returns the observers that feed them. The counters read the tallies when scraped (their
 * `collect`), so every series exists from the first scrape, at 0.
 *
 * @example
 * const caches = registerCacheCounters(registry);
 * new VerifiedTokenCache(10_000, caches.subject_token);
 */
export function registerCacheCounters(registry: Registry): CacheObservers {
  const tallies: { readonly [C in CacheName]: CacheTally } = {
    policy_decision: new CacheTally(),
    subject_token: new CacheTally(),
  };
  new Counter({
    name: 'mandate_cache_lookups_total',
    help: 'Lookups of the policy decision and verified subject-token caches, by cache and result (hit or miss).',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const cache of CACHES)
        for (const result of CACHE_RESULTS)
          this.inc(
            { cache, result },
            result === 'hit' ? tallies[cache].hits : tallies[cache].misses,
          );
    },
  });
  new Counter({
    name: 'mandate_cache_evictions_total',
    help: 'Cache entries pushed out by the bound (least recently used first), by cache; not entries dropped on a policy reload or a key change.',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      this.reset();
      for (const cache of CACHES) this.inc({ cache }, tallies[cache].evictions);
    },
  });
  return tallies;
}
