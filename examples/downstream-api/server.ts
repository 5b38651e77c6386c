// Runs the tickets API: `MANDATE_ISSUER=... MANDATE_API_KEY=... npx tsx examples/downstream-api/server.ts`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createVerifier, type RevocationEntry } from '../../src/verifier/index.js';
import { createTicketsApi } from './tickets-api.js';

/** Where the API finds the broker and how it listens. */
export interface DownstreamApiOptions {
  /** The broker's `iss`. */
  readonly issuer: string;
  /** Where the broker answers (default: the issuer). */
  readonly brokerUrl?: string;
  /** An operator API key with the resource_server role. */
  readonly apiKey: string;
  readonly audience?: string;
  readonly port?: number;
  /** Seconds of feed silence before the API fails closed. */
  readonly maxStaleness?: number;
  readonly onRevocation?: (entry: RevocationEntry) => void;
}

/** A running tickets API. */
export interface RunningApi {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the tickets API with a feed-mode verifier; resolves once the feed has caught up. */
export async function startTicketsApi(options: DownstreamApiOptions): Promise<RunningApi> {
  const verifier = createVerifier({
    issuer: options.issuer,
    ...(options.brokerUrl ? { brokerUrl: options.brokerUrl } : {}),
    audience: options.audience ?? 'https://tickets.example',
    revocation: {
      mode: 'feed',
      apiKey: options.apiKey,
      ...(options.maxStaleness === undefined ? {} : { maxStaleness: options.maxStaleness }),
      ...(options.onRevocation ? { onRevocation: options.onRevocation } : {}),
      onError: () => undefined,
    },
  });
  await verifier.ready();
  const server = createServer(createTicketsApi(verifier));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await verifier.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { MANDATE_ISSUER, MANDATE_URL, MANDATE_API_KEY, PORT } = process.env;
  if (!MANDATE_ISSUER || !MANDATE_API_KEY) {
    process.stderr.write('set MANDATE_ISSUER and MANDATE_API_KEY (role resource_server)\n');
    process.exit(1);
  }
  const api = await startTicketsApi({
    issuer: MANDATE_ISSUER,
    ...(MANDATE_URL ? { brokerUrl: MANDATE_URL } : {}),
    apiKey: MANDATE_API_KEY,
    port: Number(PORT ?? 3000),
  });
  process.stdout.write(`tickets API listening on ${api.url}\n`);
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
