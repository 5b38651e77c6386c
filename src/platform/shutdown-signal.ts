/**
 * Tells the parts that serve long-lived or health answers that the broker is shutting down:
 * `/readyz` answers 503 from then on and SSE streams end. Begun once, never reset.
 *
 * @example
 * const shutdown = new ShutdownSignal();
 * const stop = shutdown.onBegin(() => res.end());
 * shutdown.begin();
 */
export class ShutdownSignal {
  readonly #listeners = new Set<() => void>();
  #begun = false;

  /** True once {@link begin} was called. */
  get begun(): boolean {
    return this.#begun;
  }

  /** Calls every listener once; later calls do nothing. */
  begin(): void {
    if (this.#begun) return;
    this.#begun = true;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }

  /** Calls `listener` when the shutdown begins; returns the function that forgets it. */
  onBegin(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
