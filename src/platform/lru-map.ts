import { UNOBSERVED, type CacheObserver } from './cache-observer.js';

/**
 * A bounded map, least recently used first out: the store of the broker's caches (policy
 * decisions, verified subject tokens), each of which decides what it keys and when it empties.
 *
 * @example
 * const cache = new LruMap<string>(2);
 * cache.set('a', 'allow');
 * cache.get('a'); // 'allow'
 */
export class LruMap<V> {
  readonly #max: number;
  readonly #observer: Pick<CacheObserver, 'evicted'>;
  // A Map iterates in insertion order: re-inserting on each hit keeps the oldest first.
  readonly #entries = new Map<string, V>();

  /**
   * @param max entries kept; at least 1 (a size of 0 means no cache: build none).
   * @param observer told of each entry the bound pushes out.
   */
  constructor(max: number, observer: Pick<CacheObserver, 'evicted'> = UNOBSERVED) {
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError(`cache size must be a positive integer, got ${max}`);
    this.#max = max;
    this.#observer = observer;
  }

  /** The value under `key`, now the most recently used; undefined if absent. */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Keeps `value` under `key`, dropping the least recently used entry beyond the bound. */
  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) {
        this.#entries.delete(oldest.value);
        this.#observer.evicted();
      }
    }
  }

  /** Forgets `key` (not an eviction). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets everything (not an eviction). */
  clear(): void {
    this.#entries.clear();
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }
}
