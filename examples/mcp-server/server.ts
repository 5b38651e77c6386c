// The tickets MCP server, protected by Mandate: every tool call is checked against a live
// token of the broker (scope of the tool, ticket among the task's targets, not revoked).
//
// Reuse it from a test or a demo:
//
//   const mcp = await startTicketsMcpServer({
//     port: 8081,                                  // default: an ephemeral port
//     resource: 'http://127.0.0.1:8081/mcp',       // default: http://127.0.0.1:<port>/mcp
//     authorizationServer: broker.issuer,          // the broker's `iss`
//     verifier: { brokerUrl: broker.url, revocation: { mode: 'feed', apiKey } },
//   });
//   // mcp.url: the MCP endpoint; mcp.metadataUrl: its RFC 9728 metadata; mcp.tickets: the store.
//   await mcp.close();
//
// The broker's catalogue needs a resource whose `audience` is `resource` exactly (the tickets
// resource of config/mandate.yaml, pointed at this server): agents ask for it by that URI.
//
// Or run it: `MANDATE_ISSUER=... MANDATE_API_KEY=... npx tsx examples/mcp-server/server.ts`
// (MANDATE_URL, MANDATE_FEED_URL, PORT and MCP_RESOURCE optional).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { createVerifier, resourceMetadataUrl, type VerifierOptions } from '@mandate/verifier';
import { protectMcpServer } from '@mandate/verifier/mcp';
import {
  createTicketsMcpServer,
  sampleTickets,
  TICKET_TOOLS,
  type TicketStore,
} from './tickets-mcp.js';

/** Options of {@link startTicketsMcpServer}. */
export interface TicketsMcpServerOptions {
  /** Port on 127.0.0.1 (default: an ephemeral one). */
  readonly port?: number;
  /** The server's URL as agents name it (default `http://127.0.0.1:<port>/mcp`). */
  readonly resource?: string;
  /** The broker's issuer (`iss`). */
  readonly authorizationServer: string;
  /** How the verifier reaches the broker and learns of revocations (issuer and audience are set). */
  readonly verifier: Omit<VerifierOptions, 'issuer' | 'audience'>;
  /** The tickets to serve (default: {@link sampleTickets}). */
  readonly tickets?: TicketStore;
}

/** A running tickets MCP server. */
export interface RunningTicketsMcpServer {
  /** The MCP endpoint where it listens. */
  readonly url: string;
  /** The resource URI tokens must be issued for. */
  readonly resource: string;
  /** Where its RFC 9728 metadata is. */
  readonly metadataUrl: string;
  readonly tickets: TicketStore;
  close(): Promise<void>;
}

/**
 * Starts the tickets MCP server on 127.0.0.1; resolves once its verifier is ready (feed mode:
 * caught up with the broker's revocations).
 */
export async function startTicketsMcpServer(
  options: TicketsMcpServerOptions,
): Promise<RunningTicketsMcpServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const resource = options.resource ?? `http://127.0.0.1:${port}/mcp`;
  const verifier = createVerifier({
    ...options.verifier,
    issuer: options.authorizationServer,
    audience: resource,
  });
  const tickets = options.tickets ?? sampleTickets();
  try {
    await verifier.ready();
  } catch (err) {
    server.close();
    await verifier.close();
    throw err;
  }

  const app = express();
  app.disable('x-powered-by');
  app.use(
    protectMcpServer({
      verifier,
      resource,
      authorizationServers: [options.authorizationServer],
      server: () => createTicketsMcpServer(tickets),
      tools: TICKET_TOOLS,
      resourceName: 'Tickets (MCP)',
    }),
  );
  server.on('request', app);

  return {
    url: `http://127.0.0.1:${port}${new URL(resource).pathname}`,
    resource,
    metadataUrl: resourceMetadataUrl(resource),
    tickets,
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
  const { MANDATE_ISSUER, MANDATE_URL, MANDATE_FEED_URL, MANDATE_API_KEY, PORT, MCP_RESOURCE } =
    process.env;
  if (!MANDATE_ISSUER || !MANDATE_API_KEY) {
    process.stderr.write('set MANDATE_ISSUER and MANDATE_API_KEY (role resource_server)\n');
    process.exit(1);
  }
  const mcp = await startTicketsMcpServer({
    port: Number(PORT ?? 8081),
    ...(MCP_RESOURCE ? { resource: MCP_RESOURCE } : {}),
    authorizationServer: MANDATE_ISSUER,
    verifier: {
      ...(MANDATE_URL ? { brokerUrl: MANDATE_URL } : {}),
      ...(MANDATE_FEED_URL ? { feedUrl: MANDATE_FEED_URL } : {}),
      revocation: { mode: 'feed', apiKey: MANDATE_API_KEY, onError: () => undefined },
    },
  });
  process.stdout.write(`tickets MCP server at ${mcp.url} (metadata: ${mcp.metadataUrl})\n`);
  const stop = () => void mcp.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
