import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULTS } from '../config/defaults.js';
import type { HttpApp } from '../http/create-http-app.js';
import type { Broker } from './build-broker.js';
import { ConnectionDrain, type DrainOutcome } from './drain-connections.js';

/** A listening broker. */
export interface RunningServer {
  readonly server: Server;
  /** `http://host:port` as actually bound (port 0 resolves to the real port). */
  readonly url: string;
  /** The operator listener's URL when `admin.listen` is set. */
  readonly adminUrl?: string;
  /** The operator listener when `admin.listen` is set. */
  readonly adminServer?: Server;
  /**
   * The graceful stop (SIGTERM): stops accepting, `/readyz` answers 503, SSE streams end,
   * requests in flight are answered and idle connections closed; connections still open after
   * `server.shutdown_grace` are cut. Then the broker is closed. Resolves to what was cut.
   */
  shutdown(): Promise<DrainOutcome>;
  /** Stops at once: ends every connection (SSE streams and requests in flight too), then closes the broker. */
  close(): Promise<void>;
}

/** The connection settings of a listener, from `server:` in seconds. */
interface ListenerSettings {
  readonly headers_timeout: number;
  readonly request_timeout: number;
  readonly keep_alive_timeout: number;
  readonly max_connections: number;
}

interface Listener {
  readonly server: Server;
  readonly url: string;
  readonly drain: ConnectionDrain;
}

async function listen(
  app: HttpApp,
  at: { host: string; port: number },
  settings: ListenerSettings,
): Promise<Listener> {
  const server = createServer(
    {
      headersTimeout: settings.headers_timeout * 1000,
      requestTimeout: settings.request_timeout * 1000,
      keepAliveTimeout: settings.keep_alive_timeout * 1000,
      // Node enforces both timeouts only when it walks its connections: at this interval.
      connectionsCheckingInterval: DEFAULTS.connectionsCheckIntervalMs,
    },
    app.listener,
  );
  server.maxConnections = settings.max_connections;
  const drain = new ConnectionDrain(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}`, drain };
}

function stop(listener: Listener): Promise<void> {
  return new Promise<void>((resolve) => {
    listener.server.close(() => resolve());
    // Idle keep-alive sockets and long-lived SSE streams would otherwise hold close() open.
    listener.drain.cutAll();
  });
}

/**
 * Listens on `host:port` (port 0: an ephemeral port), and on the broker's `admin.listen` when
 * the operator API has a listener of its own; both with the timeouts and connection bound of
 * the broker's `server:` settings.
 */
export async function startServer(
  broker: Broker,
  at: { host: string; port: number },
): Promise<RunningServer> {
  const settings = broker.config.server;
  const main = await listen(broker.app, at, settings);
  const adminAt = broker.config.admin?.listen;
  const admin =
    broker.adminApp && adminAt ? await listen(broker.adminApp, adminAt, settings) : undefined;
  const listeners = admin ? [main, admin] : [main];
  // A second signal during a drain stops at once: the broker closes only once.
  let closing: Promise<void> | undefined;
  const closeBroker = () => (closing ??= broker.close());
  return {
    server: main.server,
    url: main.url,
    ...(admin ? { adminUrl: admin.url, adminServer: admin.server } : {}),
    shutdown: async () => {
      const graceMs = settings.shutdown_grace * 1000;
      const drained = listeners.map((l) => l.drain.drain(graceMs));
      broker.beginShutdown();
      const outcomes = await Promise.all(drained);
      await closeBroker();
      return { cut: outcomes.reduce((sum, o) => sum + o.cut, 0) };
    },
    close: async () => {
      broker.beginShutdown();
      await Promise.all(listeners.map(stop));
      await closeBroker();
    },
  };
}
