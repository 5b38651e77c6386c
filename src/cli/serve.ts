import { buildBroker } from '../app/build-broker.js';
import { startServer } from '../app/start-server.js';
import type { Config } from '../config/load-config.js';
import {
  DEFAULT_LOG_LEVEL,
  LOG_LEVELS,
  chooseLogFormat,
  createLogger,
  parseLogLevel,
  prettyDestination,
} from '../platform/logger.js';

/** The environment `mandate serve` reads, for its `--help`. */
export const SERVE_ENVIRONMENT_HELP = `
Environment:
  MANDATE_CONFIG  config file when --config is not given (default: config/mandate.yaml)
  PORT            overrides server.port
  REDIS_URL       overrides store.redis_url: grants, revocations and approvals in Redis
  MANDATE_ISSUER  overrides issuer
  LOG_LEVEL       ${LOG_LEVELS.join(', ')} (default: ${DEFAULT_LOG_LEVEL})

Logs are JSON lines on stdout (docs/operations.md, "Logs"); in dev mode with stdout on a
terminal they are pretty-printed instead.`;

/**
 * `mandate serve`: builds the broker from the config, listens, and on SIGTERM or SIGINT drains
 * (docs/operations.md, "Stopping"): a second signal stops at once.
 */
export async function serve(
  readConfig: (file: string | undefined) => Config,
  options: { config?: string },
): Promise<void> {
  // Read first, so a mistyped level fails before anything starts.
  const level = parseLogLevel(process.env.LOG_LEVEL);
  const config = readConfig(options.config);
  const format = chooseLogFormat({
    dev: config.dev !== undefined,
    tty: process.stdout.isTTY === true,
  });
  const destination = format === 'pretty' ? await prettyDestination() : undefined;
  const logger = createLogger({ level, ...(destination ? { destination } : {}) });
  const broker = await buildBroker(config, { logger });
  const running = await startServer(broker, config.server);
  logger.info(
    { url: running.url, issuer: config.issuer, store: config.store.redis_url ? 'redis' : 'memory' },
    'mandate listening',
  );
  let draining = false;
  const stop = (signal: string) => {
    if (draining) {
      // A second signal: the operator will not wait for the grace period.
      logger.warn({ signal }, 'stopping now: open connections are cut');
      void running.close();
      return;
    }
    draining = true;
    logger.info(
      { signal, grace_seconds: config.server.shutdown_grace },
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
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // SIGHUP re-reads the policy folder; a broken set is logged and the serving one kept.
  process.on('SIGHUP', () => broker.policy.reload());
}
