import { watch, type FSWatcher } from 'node:fs';
import type { Catalogue } from '../intent/catalogue.js';
import type { CacheObserver } from '../platform/cache-observer.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Logger } from '../platform/logger.js';
import type { PolicyClaim } from './agent-claims.js';
import { CedarEngine } from './cedar-engine.js';
import { loadPolicySet, PolicyLoadError } from './load-policy-set.js';
import type { ServingPolicy } from './policy-snapshot.js';

/** What a live policy reads its set from and reports to. */
export interface LivePolicyOptions {
  readonly dir: string;
  readonly catalogue: Catalogue;
  readonly claims: readonly PolicyClaim[];
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'policyReloads'>;
  /** Reload when a file of `dir` changes. */
  readonly watch: boolean;
  /** Quiet time after the last file event before reloading. */
  readonly debounceMs: number;
  /** Scope decisions each set's engine keeps (0: none); a reload starts with an empty cache. */
  readonly decisionCacheSize?: number;
  /**
   * Told of every engine's decision cache lookups and evictions; the entries a reload leaves
   * behind with the old engine are not evictions.
   */
  readonly decisionCacheObserver?: CacheObserver;
}

/** Result of one reload attempt. */
export type ReloadResult =
  | { readonly ok: true; readonly policies: number }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The policy set the broker decides with, replaced whole on reload. A set that does not load
 * never replaces the serving one: the old set keeps deciding, the error is logged and counted.
 * Callers take `current()` once per exchange and decide with that snapshot only; a reload
 * swaps what the next `current()` returns and leaves snapshots in use intact.
 *
 * @example
 * const policy = LivePolicy.start({ dir, catalogue, claims: [], logger, metrics, watch: true, debounceMs: 200 });
 * process.on('SIGHUP', () => policy.reload());
 * const snapshot = policy.current();
 */
export class LivePolicy implements ServingPolicy {
  readonly #o: LivePolicyOptions;
  #engine: CedarEngine;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(options: LivePolicyOptions, engine: CedarEngine) {
    this.#o = options;
    this.#engine = engine;
  }

  /** Loads the set (throwing {@link PolicyLoadError} if it does not validate) and starts watching. */
  static start(options: LivePolicyOptions): LivePolicy {
    const live = new LivePolicy(options, LivePolicy.#load(options));
    if (options.watch) live.#watch();
    return live;
  }

  static #load(
    o: Pick<
      LivePolicyOptions,
      'dir' | 'catalogue' | 'claims' | 'decisionCacheSize' | 'decisionCacheObserver'
    >,
  ): CedarEngine {
    return new CedarEngine({
      set: loadPolicySet(o.dir, o.catalogue, { claims: o.claims }),
      claims: o.claims,
      decisionCacheSize: o.decisionCacheSize ?? 0,
      ...(o.decisionCacheObserver ? { decisionCacheObserver: o.decisionCacheObserver } : {}),
    });
  }

  /**
   * The engine serving now, as a snapshot: it keeps deciding with its own set after a reload
   * (its pre-parsed set in Cedar is never replaced or freed, see {@link CedarEngine}).
   */
  current(): CedarEngine {
    return this.#engine;
  }

  /** Reads the folder again; swaps the set in only if all of it validates. */
  reload(): ReloadResult {
    try {
      this.#engine = LivePolicy.#load(this.#o);
    } catch (err) {
      const problems = err instanceof PolicyLoadError ? err.problems : [String(err)];
      this.#o.metrics.policyReloads.inc({ outcome: 'failed' });
      this.#o.logger.error(
        { dir: this.#o.dir, problems },
        'policy reload failed: the previous policy set keeps serving',
      );
      return { ok: false, problems };
    }
    const policies = Object.keys(this.#engine.set.policies).length;
    this.#o.metrics.policyReloads.inc({ outcome: 'ok' });
    this.#o.logger.info({ dir: this.#o.dir, policies }, 'policy set reloaded');
    return { ok: true, policies };
  }

  /** Stops watching the folder. */
  close(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #watch(): void {
    // Editors save in bursts (temp file, rename, chmod): wait for quiet, then reload once.
    // Every event counts, whatever the file name: a Kubernetes ConfigMap update only swaps
    // its `..data` symlink, and a needless reload of an unchanged set is harmless.
    this.#watcher = watch(this.#o.dir, { persistent: false }, () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.reload(), this.#o.debounceMs);
      this.#timer.unref();
    });
    this.#watcher.on('error', (err) => {
      this.#o.logger.error({ err, dir: this.#o.dir }, 'watching the policy folder failed');
    });
  }
}
