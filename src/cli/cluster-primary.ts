import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import { ensureDevTrustDomain } from '../dev/dev-trust-domain.js';
import type { Logger } from '../platform/logger.js';
import {
  isMandateMessage,
  type PrimaryMessage,
  type WorkerMessage,
  type WorkerMetrics,
} from './cluster-messages.js';
import { WORKER_SLOT_ENV } from './cluster-worker.js';

/** One scrape being collected: the parts in, the workers still to answer. */
interface Collection {
  readonly parts: WorkerMetrics[];
  readonly waiting: Set<number>;
  readonly answer: (reply: { text?: string; error?: string }) => void;
}

function send(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message);
}

/**
 * The primary of `mandate serve --workers N`: forks N workers that share the listeners (Node's
 * cluster hands connections round-robin to the workers listening), tells them how many are
 * ready, collects `/metrics` from every ready worker for the one that took the scrape,
 * forwards SIGTERM / SIGINT (drain, then stop at once) and SIGHUP (reload policy), and
 * replaces a worker that dies while serving. It builds no broker and opens no connection.
 */
export async function servePrimary(options: {
  config: Config;
  logger: Logger;
  workers: number;
}): Promise<void> {
  const { config, logger, workers: total } = options;
  // Every worker would otherwise create the dev trust domain's key at the same moment.
  if (config.dev) await ensureDevTrustDomain(config.dev.dir, config.dev.trust_domain);

  const bySlot = new Map<number, Worker>();
  const ready = new Set<number>();
  let all = false;
  let listening = false;
  let phase: 'serving' | 'draining' | 'stopping' = 'serving';
  let failed = false;
  let nextCollection = 0;
  const collections = new Map<number, Collection>();

  const readiness = (): PrimaryMessage => ({
    mandate: 'readiness',
    ready: ready.size,
    total,
    all,
  });
  const broadcast = (message: PrimaryMessage) => {
    for (const worker of bySlot.values()) send(worker, message);
  };

  const onReady = (slot: number, message: Extract<WorkerMessage, { mandate: 'ready' }>) => {
    ready.add(slot);
    logger.info({ worker: slot }, 'worker ready');
    if (!listening) {
      listening = true;
      logger.info(
        {
          url: message.url,
          ...(message.adminUrl ? { admin_url: message.adminUrl } : {}),
          issuer: config.issuer,
          store: 'redis',
          workers: total,
        },
        'mandate listening',
      );
    }
    if (!all && ready.size === total) {
      all = true;
      logger.info({ workers: total }, 'all workers ready');
    }
    broadcast(readiness());
  };

  /** Every ready worker's metrics for the scrape `id` that reached `asker`, aggregated. */
  const collect = (asker: Worker, id: number) => {
    const reply = (r: { text?: string; error?: string }) =>
      send(asker, { mandate: 'scraped', id, ...r });
    const key = nextCollection++;
    const timer = setTimeout(() => {
      collections.delete(key);
      reply({ error: `workers ${[...waiting].join(', ')} did not answer` });
    }, DEFAULTS.workers.metricsTimeoutMs);
    const waiting = new Set(ready);
    const collection: Collection = {
      parts: [],
      waiting,
      answer: (r) => {
        clearTimeout(timer);
        collections.delete(key);
        reply(r);
      },
    };
    collections.set(key, collection);
    for (const slot of waiting) send(bySlot.get(slot)!, { mandate: 'collect', id: key });
  };

  const onMetrics = (slot: number, message: Extract<WorkerMessage, { mandate: 'metrics' }>) => {
    const collection = collections.get(message.id);
    if (!collection || !collection.waiting.delete(slot)) return;
    collection.parts.push(message.metrics);
    if (collection.waiting.size > 0) return;
    AggregatorRegistry.aggregate(collection.parts)
      .metrics()
      .then(
        (text) => collection.answer({ text }),
        (err: unknown) => collection.answer({ error: (err as Error).message }),
      );
  };

  const finishIfDone = () => {
    if (bySlot.size > 0) return;
    if (failed) {
      logger.error('stopped: a worker failed');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };

  const fork = (slot: number) => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    bySlot.set(slot, worker);
    logger.info({ worker: slot, worker_pid: worker.process.pid }, 'worker started');
    worker.on('online', () => send(worker, readiness()));
    worker.on('message', (message: unknown) => {
      if (!isMandateMessage<WorkerMessage>(message)) return;
      if (message.mandate === 'ready') onReady(slot, message);
      else if (message.mandate === 'scrape') collect(worker, message.id);
      else onMetrics(slot, message);
    });
    worker.on('exit', (code, signal) => {
      if (bySlot.get(slot) !== worker) return;
      bySlot.delete(slot);
      ready.delete(slot);
      // A collection waiting for this worker would otherwise only end at its timeout.
      for (const c of collections.values())
        if (c.waiting.has(slot)) c.answer({ error: `worker ${slot} exited` });
      if (phase !== 'serving') {
        if (code !== 0) failed = true;
        finishIfDone();
        return;
      }
      if (!all) {
        // A worker that cannot start (config, keys, Redis): the others would fail alike.
        logger.error({ worker: slot, code, signal }, 'a worker failed to start: stopping');
        failed = true;
        phase = 'stopping';
        broadcast({ mandate: 'stop', signal: 'worker failed' });
        finishIfDone();
        return;
      }
      logger.warn(
        { worker: slot, code, signal, restart_in_ms: DEFAULTS.workers.restartDelayMs },
        'worker exited: replacing it',
      );
      broadcast(readiness());
      setTimeout(() => {
        if (phase === 'serving') fork(slot);
      }, DEFAULTS.workers.restartDelayMs);
    });
  };

  const onSignal = (signal: string) => {
    if (phase === 'serving') {
      phase = 'draining';
      logger.info(
        { signal, grace_seconds: config.server.shutdown_grace, workers: bySlot.size },
        'shutting down: every worker drains',
      );
      broadcast({ mandate: 'drain', signal });
    } else {
      phase = 'stopping';
      logger.warn({ signal }, 'stopping now: every worker cuts its open connections');
      broadcast({ mandate: 'stop', signal });
    }
    finishIfDone();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', () => {
    logger.info({ workers: bySlot.size }, 'reloading policy in every worker');
    broadcast({ mandate: 'reload' });
  });

  for (let slot = 1; slot <= total; slot++) fork(slot);
}
