import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Broker } from './build-broker.js';

/** A listening broker. */
export interface RunningServer {
  readonly server: Server;
  /** `http://host:port` as actually bound (port 0 resolves to the real port). */
  readonly url: string;
  /** Stops accepting connections, ends idle ones, then closes the broker. */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: an ephemeral port). */
export async function startServer(
  broker: Broker,
  listen: { host: string; port: number },
): Promise<RunningServer> {
  const server = createServer(broker.app);
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await broker.close();
    },
  };
}
