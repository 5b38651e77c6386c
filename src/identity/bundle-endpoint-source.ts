import type { FetchJson } from './fetch-json.js';
import { parseSpiffeBundle, type SpiffeBundle } from './spiffe-bundle.js';

/** What a SPIFFE bundle endpoint source needs. */
export interface BundleEndpointSourceOptions {
  readonly trustDomain: string;
  readonly url: string;
  readonly ca?: string | undefined;
  readonly fetchJson: FetchJson;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Refresh interval when the bundle gives no `spiffe_refresh_hint`, seconds. */
  readonly defaultRefreshSeconds: number;
  /** Bounds applied to the refresh hint, seconds. */
  readonly minRefreshSeconds: number;
  readonly maxRefreshSeconds: number;
  /** Retry delay after a failed fetch, seconds (capped by the refresh interval). */
  readonly retrySeconds: number;
  readonly onBundle: (bundle: SpiffeBundle) => void;
  readonly onFailure: (err: unknown) => void;
}

/**
 * Keeps a trust domain's bundle in step with an HTTPS SPIFFE bundle endpoint (the
 * `https_web` profile): fetched at start, then again after the bundle's refresh hint.
 * A failed fetch keeps the last good bundle and is retried sooner; with no good bundle yet,
 * the domain has no keys and every JWT-SVID of it is refused.
 */
export class BundleEndpointSource {
  readonly #o: BundleEndpointSourceOptions;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #intervalSeconds: number;

  constructor(options: BundleEndpointSourceOptions) {
    this.#o = options;
    this.#intervalSeconds = options.defaultRefreshSeconds;
  }

  /** Fetches once (a failure is reported, not thrown) and schedules the next refresh. */
  async start(): Promise<void> {
    await this.refresh();
  }

  /** Fetches now and schedules the next fetch. Never throws. */
  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    let next: number;
    try {
      const json = await this.#o.fetchJson(this.#o.url, {
        timeoutMs: this.#o.timeoutMs,
        maxBytes: this.#o.maxBytes,
        ca: this.#o.ca,
      });
      const bundle = parseSpiffeBundle(this.#o.trustDomain, json);
      if (this.#closed) return;
      this.#o.onBundle(bundle);
      const hint = bundle.refreshHint ?? this.#o.defaultRefreshSeconds;
      this.#intervalSeconds = Math.min(
        this.#o.maxRefreshSeconds,
        Math.max(this.#o.minRefreshSeconds, hint),
      );
      next = this.#intervalSeconds;
    } catch (err) {
      if (this.#closed) return;
      this.#o.onFailure(err);
      next = Math.min(this.#o.retrySeconds, this.#intervalSeconds);
    }
    this.#timer = setTimeout(() => void this.refresh(), next * 1000);
    this.#timer.unref();
  }

  /** Stops refreshing. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
