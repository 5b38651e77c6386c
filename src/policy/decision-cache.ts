/**
 * A bounded map of decisions by key, least recently used first out. It belongs to one
 * {@link CedarEngine}: a reload builds a new engine, and with it an empty cache.
 *
 * @example
 * const cache = new DecisionCache<string>(2);
 * cache.set('a', 'allow');
 * cache.get('a'); // 'allow'
 */
export class DecisionCache<V> {
  readonly #max: number;
  // A Map iterates in insertion order: re-inserting on each hit keeps the oldest first.
  readonly #entries = new Map<string, V>();

  /** @param max entries kept; at least 1 (a size of 0 means no cache: build none). */
  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError(`decision cache size must be a positive integer, got ${max}`);
    this.#max = max;
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
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }
}
