import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../platform/logger.js';
import { parseSpiffeBundle, readSpiffeBundleFile, type SpiffeBundle } from './spiffe-bundle.js';

/** What a bundle file source needs. */
export interface BundleFileSourceOptions {
  readonly trustDomain: string;
  readonly file: string;
  /** Called with every bundle read, the first one included. */
  readonly onBundle: (bundle: SpiffeBundle) => void;
  /** Called when a changed file cannot be used; the last good bundle stays in force. */
  readonly onFailure: (err: unknown) => void;
  /** Seconds between checks of the file when no change event arrives. */
  readonly pollSeconds: number;
  readonly logger: Logger;
}

/**
 * Keeps a trust domain's bundle in step with a file: read once at start (a missing or broken
 * file stops the start), then re-read whenever it changes. Changes are noticed by watching
 * the folder (which also sees atomic renames and Kubernetes' symlink swaps) and, as a backstop
 * for file systems without change events, by a poll. A broken new file keeps the last good.
 */
export class BundleFileSource {
  readonly #o: BundleFileSourceOptions;
  #stamp = '';
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #again = false;

  constructor(options: BundleFileSourceOptions) {
    this.#o = options;
  }

  /** Reads the file (throws if unusable) and starts watching it. */
  async start(): Promise<void> {
    this.#stamp = await this.#currentStamp();
    this.#o.onBundle(readSpiffeBundleFile(this.#o.trustDomain, this.#o.file));
    const name = basename(this.#o.file);
    try {
      this.#watcher = watch(dirname(this.#o.file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name || changed.startsWith('..')) this.check();
      });
      this.#watcher.on('error', (err) => this.#o.logger.warn({ err }, 'bundle file watch failed'));
    } catch (err) {
      this.#o.logger.warn({ err, file: this.#o.file }, 'cannot watch bundle file; polling only');
    }
    this.#timer = setInterval(() => this.check(), this.#o.pollSeconds * 1000);
    this.#timer.unref();
  }

  /** Re-reads the file if it changed since the last read. Never throws. */
  check(): void {
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = this.#reloadIfChanged().finally(() => {
      this.#checking = undefined;
      if (this.#again) {
        this.#again = false;
        this.check();
      }
    });
  }

  /** Stops watching and polling. */
  close(): void {
    this.#watcher?.close();
    clearInterval(this.#timer);
  }

  async #reloadIfChanged(): Promise<void> {
    try {
      const stamp = await this.#currentStamp();
      if (stamp === this.#stamp) return;
      const bundle = parseSpiffeBundle(
        this.#o.trustDomain,
        JSON.parse(await readFile(this.#o.file, 'utf8')) as unknown,
      );
      this.#stamp = stamp;
      this.#o.onBundle(bundle);
    } catch (err) {
      this.#o.onFailure(err);
    }
  }

  async #currentStamp(): Promise<string> {
    const s = await stat(this.#o.file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  }
}
