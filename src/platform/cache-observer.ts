/**
 * What a cache tells whoever counts its work (the broker's metrics), so the cache knows nothing
 * of the registry. Called on the lookup path: an implementation only adds to a number.
 *
 * @example
 * const cache = new LruMap<string>(100, observer); // observer.evicted() when the bound drops one
 */
export interface CacheObserver {
  /** A lookup was answered from the cache. */
  hit(): void;
  /** A lookup was not: no entry, an expired one, or a request the cache may not answer. */
  miss(): void;
  /**
   * The bound pushed the least recently used entry out. Entries a cache drops for another reason
   * (expired, keys changed, a reload) are not evictions.
   */
  evicted(): void;
}

/** Counts nothing: a cache nobody observes (`mandate policy test`, tests). */
export const UNOBSERVED: CacheObserver = Object.freeze({
  hit: () => undefined,
  miss: () => undefined,
  evicted: () => undefined,
});
