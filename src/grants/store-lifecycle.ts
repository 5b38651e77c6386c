/** What the server's health check and shutdown need of a store. */
export interface StoreLifecycle {
  /** Resolves when the store can serve requests; rejects otherwise. */
  ping(): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
