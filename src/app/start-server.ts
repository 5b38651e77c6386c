import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Broker } from './build-broker.js';

/** A listening broker. */
export interface RunningServer {
  readonly server: Server;
  /** `http://host:port` as actually bound (port 0 resolves to the real port). */
  readonly url: string;
  /** The operator listener's URL when `admin.listen` is set. */
  readonly adminUrl?: string;
  /** Stops accepting connections, ends open ones (SSE streams too), then closes the broker. */
  close(): Promise<void>;
}

async function listen(
  app: Express,
  at: { host: string; port: number },
): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}

function stop(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets and long-lived SSE streams would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/**
 * Listens on `host:port` (port 0: an ephemeral port), and on the broker's `admin.listen` when
 * the operator API has a listener of its own.
 */
export async function startServer(
  broker: Broker,
  at: { host: string; port: number },
): Promise<RunningServer> {
  const main = await listen(broker.app, at);
  const admin =
    broker.adminApp && broker.config.admin
      ? await listen(broker.adminApp, broker.config.admin.listen)
      : undefined;
  return {
    server: main.server,
    url: main.url,
    ...(admin ? { adminUrl: admin.url } : {}),
    close: async () => {
      await Promise.all([stop(main.server), admin ? stop(admin.server) : undefined]);
      await broker.close();
    },
  };
}
