import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
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
  type Logger,
} from '../platform/logger.js';
import { servePrimary } from './cluster-primary.js';
import { serveAsWorker } from './cluster-worker.js';
import { gracefulStop } from './graceful-stop.js';
import { planWorkers } from './worker-count.js';

/** The environment `mandate serve` reads, for its `--help`. */
export const SERVE_ENVIRONMENT_HELP = `
Environment:
  MANDATE_CONFIG   config file when --config is not given (default: config/mandate.yaml)
  MANDATE_WORKERS  --workers when it is not given
  PORT             overrides server.port
  REDIS_URL        overrides store.redis_url: grants, revocations and approvals in Redis
  MANDATE_ISSUER   overrides issuer
  LOG_LEVEL        ${LOG_LEVELS.join(', ')} (default: ${DEFAULT_LOG_LEVEL})

Logs are JSON lines on stdout (docs/operations.md, "Logs"); in dev mode with stdout on a
terminal they are pretty-printed instead. Workers: docs/operations.md, "Workers".`;

/** The options of `mandate serve`. */
export interface ServeOptions {
  readonly config?: string;
  /** `--workers` or `MANDATE_WORKERS`; absent: one per core when the store is shared. */
  readonly workers?: number;
}

/**
 * `mandate serve`: builds the broker from the config, listens, and on SIGTERM or SIGINT drains
 * (docs/operations.md, "Stopping"): a second signal stops at once. With more than one worker
 * this process is the cluster's primary (cluster-primary.ts), and each worker it forks runs
 * this command again as a worker (cluster-worker.ts).
 */
export async function serve(
  readConfig: (file: string | undefined) => Config,
  options: ServeOptions,
): Promise<void> {
  // Read first, so a mistyped level fails before anything starts.
  const level = parseLogLevel(process.env.LOG_LEVEL);
  const config = readConfig(options.config);
  if (cluster.isWorker) {
    await serveAsWorker(config, await serveLogger(config, level));
    return;
  }
  // A refusal (e.g. --workers 4 with the memory store) comes before anything starts.
  const plan = planWorkers(options.workers, config, availableParallelism());
  const logger = await serveLogger(config, level);
  if (plan.workers > 1) {
    await servePrimary({ config, logger, workers: plan.workers });
    return;
  }
  if (plan.reason) logger.info({ workers: 1, reason: plan.reason }, `one worker: ${plan.reason}`);
  await serveOneProcess(config, logger);
}

async function serveLogger(config: Config, level: ReturnType<typeof parseLogLevel>) {
  const format = chooseLogFormat({
    dev: config.dev !== undefined,
    tty: process.stdout.isTTY === true,
  });
  const destination = format === 'pretty' ? await prettyDestination() : undefined;
  return createLogger({ level, ...(destination ? { destination } : {}) });
}

/** `--workers 1`: the broker in this process, as in dev mode. */
async function serveOneProcess(config: Config, logger: Logger): Promise<void> {
  const broker = await buildBroker(config, { logger });
  const running = await startServer(broker, config.server);
  logger.info(
    { url: running.url, issuer: config.issuer, store: config.store.redis_url ? 'redis' : 'memory' },
    'mandate listening',
  );
  const ending = gracefulStop(running, logger, config.server.shutdown_grace);
  const onSignal = (signal: string) =>
    ending.draining ? ending.stop(signal) : ending.drain(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // SIGHUP re-reads the policy folder; a broken set is logged and the serving one kept.
  process.on('SIGHUP', () => broker.policy.reload());
}
