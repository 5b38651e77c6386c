import type { RunningServer } from '../app/start-server.js';
import type { Logger } from '../platform/logger.js';

/** The two ways a serving process ends (docs/operations.md, "Stopping"). */
export interface GracefulStop {
  /** The graceful stop: `/readyz` 503, requests in flight answered, then exit 0. Once only. */
  drain(signal: string): void;
  /** Stops at once: open connections are cut, then exit 0. */
  stop(signal: string): void;
  /** Whether the drain began. */
  readonly draining: boolean;
}

/**
 * How `mandate serve` (one process, or one worker of several) stops its listeners and exits.
 *
 * @example
 * const ending = gracefulStop(running, logger, config.server.shutdown_grace);
 * process.on('SIGTERM', (s) => (ending.draining ? ending.stop(s) : ending.drain(s)));
 */
export function gracefulStop(
  running: RunningServer,
  logger: Logger,
  graceSeconds: number,
): GracefulStop {
  let draining = false;
  return {
    get draining() {
      return draining;
    },
    drain(signal) {
      if (draining) return;
      draining = true;
      logger.info(
        { signal, grace_seconds: graceSeconds },
        'shutting down: not accepting, answering requests in flight',
      );
      running.shutdown().then(
        ({ cut }) => {
          if (cut > 0) logger.warn({ cut }, 'grace period over: open connections were cut');
          logger.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    },
    stop(signal) {
      // The operator will not wait for the grace period.
      logger.warn({ signal }, 'stopping now: open connections are cut');
      if (!draining) {
        draining = true;
        void running.close().then(() => process.exit(0));
        return;
      }
      void running.close();
    },
  };
}
