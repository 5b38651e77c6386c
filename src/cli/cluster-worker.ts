import type { Registry } from 'prom-client';
import { buildBroker, type WorkerGroup } from '../app/build-broker.js';
import { startServer } from '../app/start-server.js';
import { warmBroker } from '../app/warm-broker.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import { MandateError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import {
  isMandateMessage,
  type PrimaryCommand,
  type PrimaryMessage,
  type WorkerMessage,
} from './cluster-messages.js';
import { gracefulStop, type GracefulStop } from './graceful-stop.js';

/** The environment variable the primary numbers its workers with (1..N, kept by a replacement). */
export const WORKER_SLOT_ENV = 'MANDATE_WORKER';

function send(message: WorkerMessage): void {
  // The primary is gone (the channel closed): Node's cluster ends this worker itself.
  if (process.connected) process.send!(message);
}

/**
 * A worker's side of the cluster: the readiness the primary reports, scrapes it aggregates,
 * and its commands (drain, stop, reload). Listens from construction on, so a command that
 * arrives while the broker is still being built is not lost.
 */
class ClusterWorker implements WorkerGroup {
  #readiness: { ready: number; total: number; all: boolean } | undefined;
  #registry: Registry | undefined;
  #nextScrape = 0;
  readonly #scrapes = new Map<number, (answer: { text?: string; error?: string }) => void>();
  #onCommand: (message: PrimaryCommand) => void = () => undefined;

  constructor() {
    process.on('message', (message: unknown) => {
      if (isMandateMessage<PrimaryMessage>(message)) this.#receive(message);
    });
  }

  #receive(message: PrimaryMessage): void {
    switch (message.mandate) {
      case 'readiness':
        this.#readiness = message;
        return;
      case 'collect':
        void this.#collect(message.id);
        return;
      case 'scraped':
        this.#scrapes.get(message.id)?.(message);
        return;
      default:
        this.#onCommand(message);
    }
  }

  async #collect(id: number): Promise<void> {
    const metrics = this.#registry ? await this.#registry.getMetricsAsJSON() : [];
    send({ mandate: 'metrics', id, metrics });
  }

  /** This worker's own metrics, from now on part of every scrape. */
  attach(registry: Registry): void {
    this.#registry = registry;
  }

  /** Where drain, stop and reload go. */
  onCommand(handler: (message: PrimaryCommand) => void): void {
    this.#onCommand = handler;
  }

  notReady(): string | undefined {
    const r = this.#readiness;
    if (r === undefined) return 'workers starting';
    return r.all ? undefined : `${r.ready} of ${r.total} workers ready`;
  }

  scrapeMetrics(): Promise<string> {
    const id = this.#nextScrape++;
    return new Promise<string>((resolve, reject) => {
      // The primary answers within its own collection timeout; this one covers a lost primary.
      const timer = setTimeout(
        () => answered({ error: 'the primary did not answer' }),
        DEFAULTS.workers.metricsTimeoutMs * 2,
      );
      const answered = (answer: { text?: string; error?: string }) => {
        clearTimeout(timer);
        this.#scrapes.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else
          reject(
            new MandateError(
              'temporarily_unavailable',
              `metrics of every worker unavailable: ${answer.error ?? 'no answer'}`,
              { retryAfter: 1 },
            ),
          );
      };
      this.#scrapes.set(id, answered);
      send({ mandate: 'scrape', id });
    });
  }
}

/**
 * Each worker keeps its own audit chain: `audit.instance` (the pod's name, so a chain continues
 * across restarts) with the worker's number, which its replacement takes over.
 */
function workerConfig(config: Config, slot: number): Config {
  const instance = config.audit.instance;
  return instance === undefined
    ? config
    : { ...config, audit: { ...config.audit, instance: `${instance}.w${slot}` } };
}

/**
 * One worker of `mandate serve --workers N`: builds its broker, warms the hot path, listens on
 * the listeners the cluster shares, then tells the primary it is ready. `/readyz` answers 503
 * until every worker is. SIGINT is left to the primary (a terminal sends it to every process
 * of the group); SIGTERM drains this worker alone (the primary replaces it).
 */
export async function serveAsWorker(config: Config, parent: Logger): Promise<void> {
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? '0');
  const logger = parent.child({ worker: slot });
  const group = new ClusterWorker();
  // Commands may come while the broker is still being built: before it listens, a drain or
  // stop just exits.
  const serving: { ending?: GracefulStop; reload?: () => void } = {};
  group.onCommand((message) => {
    const { ending } = serving;
    if (message.mandate === 'reload') serving.reload?.();
    else if (ending === undefined) process.exit(message.mandate === 'drain' ? 0 : 1);
    else if (message.mandate === 'drain') ending.drain(message.signal);
    else ending.stop(message.signal);
  });
  process.on('SIGINT', () => undefined);
  const broker = await buildBroker(workerConfig(config, slot), { logger, workerGroup: group });
  serving.reload = () => broker.policy.reload();
  process.on('SIGHUP', serving.reload);
  group.attach(broker.metrics.registry);
  await warmBroker(broker);
  const running = await startServer(broker, config.server);
  const ending = gracefulStop(running, logger, config.server.shutdown_grace);
  serving.ending = ending;
  process.on('SIGTERM', (signal) => ending.drain(signal));
  send({
    mandate: 'ready',
    url: running.url,
    ...(running.adminUrl ? { adminUrl: running.adminUrl } : {}),
  });
}
