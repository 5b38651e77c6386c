import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCert } from './self-signed-cert.js';

/** An HTTPS server on loopback answering GETs from a mutable map of path -> JSON. */
export interface StaticHttpsServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** PEM file of the server's self-signed certificate: the `ca_file` to trust it. */
  readonly caFile: string;
  /** path -> JSON body; change it to change what the server answers. */
  readonly documents: Map<string, unknown>;
  /** GETs served per path, to see how often the broker fetched. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** Starts a {@link StaticHttpsServer} on an ephemeral port. */
export async function startStaticHttpsServer(): Promise<StaticHttpsServer> {
  const tls = createSelfSignedCert();
  const documents = new Map<string, unknown>();
  const hits = new Map<string, number>();
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const doc = documents.get(path);
    if (doc === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caFile: tls.certFile,
    documents,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
