import type { Registry } from 'prom-client';

// The messages of `mandate serve --workers N` between the primary and its workers, over
// node:cluster's IPC channel. Each carries `mandate` so other users of the channel (Node's
// own cluster messages) pass by.

/** A worker's metrics as prom-client's `getMetricsAsJSON()` gives them. */
export type WorkerMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** What a worker tells the primary. */
export type WorkerMessage =
  /** Built, warm and listening on these URLs. */
  | { readonly mandate: 'ready'; readonly url: string; readonly adminUrl?: string }
  /** A scrape reached this worker: the primary collects every worker's metrics for it. */
  | { readonly mandate: 'scrape'; readonly id: number }
  /** This worker's part of a collection. */
  | { readonly mandate: 'metrics'; readonly id: number; readonly metrics: WorkerMetrics };

/** What the primary tells a worker. */
export type PrimaryMessage =
  /** How many workers are ready; `all` latches once every worker was ready. */
  | {
      readonly mandate: 'readiness';
      readonly ready: number;
      readonly total: number;
      readonly all: boolean;
    }
  /** Send this worker's metrics, for collection `id`. */
  | { readonly mandate: 'collect'; readonly id: number }
  /** The aggregated answer to scrape `id`, or why there is none. */
  | {
      readonly mandate: 'scraped';
      readonly id: number;
      readonly text?: string;
      readonly error?: string;
    }
  /** SIGTERM / SIGINT reached the primary: drain (docs/operations.md, "Stopping"). */
  | { readonly mandate: 'drain'; readonly signal: string }
  /** A second signal: stop at once. */
  | { readonly mandate: 'stop'; readonly signal: string }
  /** SIGHUP reached the primary: reload the policy set. */
  | { readonly mandate: 'reload' };

/** The primary's commands a worker obeys: drain, stop, reload. */
export type PrimaryCommand = Extract<PrimaryMessage, { mandate: 'drain' | 'stop' | 'reload' }>;

/** Whether an IPC message is one of ours (Node's cluster sends its own on the same channel). */
export function isMandateMessage<T extends { mandate: string }>(message: unknown): message is T {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { mandate?: unknown }).mandate === 'string'
  );
}
