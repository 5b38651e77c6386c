// Runs the tickets API: `MANDATE_ISSUER=... MANDATE_API_KEY=... npx tsx examples/downstream-api/server.ts`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createVerifier, type RevocationEntry, type RevocationOptions } from '@mandate/verifier';
import { createTicketsApi } from './tickets-api.js';

/** Where the API finds the broker and how it listens. */
export interface DownstreamApiOptions {
  /** The broker's `iss`. */
  readonly issuer: string;
  /** Where the broker answers (default: the issuer). */
  readonly brokerUrl?: string;
  /** Where the revocation feed answers, when not at brokerUrl (the broker's `admin.listen`). */
  readonly feedUrl?: string;
  /** An operator API key with the resource_server role. */
  readonly apiKey: string;
  readonly audience?: string;
  readonly port?: number;
  /**
   * How revocation is learnt: following the feed (default), or introspecting each token with
   * answers cached `introspectionCacheTtl` seconds.
   */
  readonly mode?: 'feed' | 'introspect';
  /** Seconds of feed silence before the API fails closed (feed mode). */
  readonly maxStaleness?: number;
  /** Seconds an active introspection answer is reused (introspect mode, default 1). */
  readonly introspectionCacheTtl?: number;
  readonly onRevocation?: (entry: RevocationEntry) => void;
}

/** A running tickets API. */
export interface RunningApi {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the tickets API with its verifier; resolves once the feed (if any) has caught up. */
export async function startTicketsApi(options: DownstreamApiOptions): Promise<RunningApi> {
  const revocation: RevocationOptions =
    options.mode === 'introspect'
      ? {
          mode: 'introspect',
          apiKey: options.apiKey,
          ...(options.introspectionCacheTtl === undefined
            ? {}
            : { cacheTtl: options.introspectionCacheTtl }),
        }
      : {
          mode: 'feed',
          apiKey: options.apiKey,
          ...(options.maxStaleness === undefined ? {} : { maxStaleness: options.maxStaleness }),
          ...(options.onRevocation ? { onRevocation: options.onRevocation } : {}),
          onError: () => undefined,
        };
  const verifier = createVerifier({
    issuer: options.issuer,
    ...(options.brokerUrl ? { brokerUrl: options.brokerUrl } : {}),
    ...(options.feedUrl ? { feedUrl: options.feedUrl } : {}),
    audience: options.audience ?? 'https://tickets.example',
    revocation,
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
  const { MANDATE_ISSUER, MANDATE_URL, MANDATE_FEED_URL, MANDATE_API_KEY, PORT } = process.env;
  if (!MANDATE_ISSUER || !MANDATE_API_KEY) {
    process.stderr.write('set MANDATE_ISSUER and MANDATE_API_KEY (role resource_server)\n');
    process.exit(1);
  }
  const api = await startTicketsApi({
    issuer: MANDATE_ISSUER,
    ...(MANDATE_URL ? { brokerUrl: MANDATE_URL } : {}),
    ...(MANDATE_FEED_URL ? { feedUrl: MANDATE_FEED_URL } : {}),
    apiKey: MANDATE_API_KEY,
    port: Number(PORT ?? 3000),
  });
  process.stdout.write(`tickets API listening on ${api.url}\n`);
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
