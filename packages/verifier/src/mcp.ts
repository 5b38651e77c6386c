// `@mandate/verifier/mcp`: an MCP server (official TypeScript SDK, streamable HTTP) whose every
// tool call is checked against a live Mandate token. The SDK and express are the application's:
// this entry loads the SDK's transport, and uses express as types only.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { VerifiedToken } from './check-access-token.js';
import type { Verifier } from './create-verifier.js';
import { InsufficientScope } from './errors.js';
import { serveResourceMetadata } from './express-resource-metadata.js';
import { mandateOf, requireMandate } from './express.js';
import { BodyRefused, readJsonBody } from './json-body.js';
import { GuardedTransport, MANDATE_AUTH_KEY, tokenOf } from './mcp-guarded-transport.js';
import { missingScopes, scopesOf, type McpToolRules } from './mcp-tool-rules.js';
import { resourceMetadataUrl, type ProtectedResourceOptions } from './protected-resource.js';
import { refuse } from './refusal.js';
import { VERIFIER_DEFAULTS } from './verifier-defaults.js';

export type { McpToolRule, McpToolRules } from './mcp-tool-rules.js';

/** Options of {@link protectMcpServer}. */
export interface ProtectMcpServerOptions {
  /** Verifies each request's token; its `audience` is {@link resource}. */
  readonly verifier: Verifier;
  /**
   * The MCP server's URL as clients name it (its `resource` for the broker, the tokens' `aud`);
   * its path is where the MCP endpoint answers.
   */
  readonly resource: string;
  /** The broker's issuer, where clients get tokens (RFC 9728 `authorization_servers`). */
  readonly authorizationServers: readonly string[];
  /** A new MCP server for each HTTP request (the transport is stateless): tools registered. */
  readonly server: () => McpServer | Server;
  /** Every tool, with the scope it needs and the argument naming its target. */
  readonly tools: McpToolRules;
  readonly resourceName?: string;
  readonly resourceDocumentation?: string;
  /** Largest JSON-RPC body read, in bytes (default 4 MiB, the SDK's own bound). */
  readonly maxBodyBytes?: number;
}

/**
 * Express middleware that is a whole protected MCP server: RFC 9728 metadata at the well-known
 * URLs of `resource` (its `scopes_supported` the tools' scopes), and at `resource`'s path the
 * streamable HTTP endpoint (POST; GET and DELETE answer 405, as the transport is stateless).
 * Each POST needs a live token (`requireMandate`: 401 with `resource_metadata`); a `tools/call`
 * of a tool whose scope the token lacks is answered 403 `insufficient_scope` naming that scope
 * (the MCP step-up challenge); a call whose target argument is not among the token's `targets`
 * (or whose token names none) gets a tool error result, `isError: true`; `tools/list` shows only
 * the tools the token may call; an undeclared tool is hidden and refused. Tools read the token
 * with {@link mcpMandateOf}. Mount it at the root of the application.
 *
 * @example
 * const app = express();
 * app.use(protectMcpServer({
 *   verifier,
 *   resource: 'https://mcp.tickets.example/mcp',
 *   authorizationServers: ['https://mandate.internal'],
 *   server: buildTicketsServer,
 *   tools: {
 *     list_tickets: { scope: 'tickets:read' },
 *     delete_ticket: { scope: 'tickets:delete', target: 'ticket_id' },
 *   },
 * }));
 * app.listen(3000);
 */
export function protectMcpServer(options: ProtectMcpServerOptions): RequestHandler {
  const resourceOptions: ProtectedResourceOptions = {
    resource: options.resource,
    authorizationServers: options.authorizationServers,
    scopesSupported: [...new Set(Object.values(options.tools).flatMap((t) => scopesOf(t)))],
    ...(options.resourceName === undefined ? {} : { resourceName: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resourceDocumentation: options.resourceDocumentation }),
  };
  const metadata = serveResourceMetadata(resourceOptions);
  const metadataUrl = resourceMetadataUrl(options.resource);
  const endpoint = new URL(options.resource).pathname;
  const authenticate = requireMandate({
    verifier: options.verifier,
    resourceMetadata: metadataUrl,
  });
  const maxBody = options.maxBodyBytes ?? VERIFIER_DEFAULTS.mcpMaxBodyBytes;
  const challenge = { scheme: 'Bearer', realm: undefined, metadata: metadataUrl } as const;

  async function serve(req: Request, res: Response): Promise<void> {
    let body: unknown;
    try {
      body = await readJsonBody(req, maxBody);
    } catch (err) {
      if (!(err instanceof BodyRefused)) throw err;
      jsonRpcError(res, err.status, err.status === 413 ? -32000 : -32700, err.message);
      return;
    }
    const token = mandateOf(req);
    for (const message of Array.isArray(body) ? body : [body]) {
      if (!isJSONRPCRequest(message) || message.method !== 'tools/call') continue;
      const name = String((message.params as { name?: unknown } | undefined)?.name);
      const rule = Object.hasOwn(options.tools, name) ? options.tools[name] : undefined;
      if (rule && missingScopes(token, rule).length > 0) {
        const needed = scopesOf(rule);
        refuse(
          res,
          new InsufficientScope(`the tool ${name} needs the scope ${needed.join(' ')}`, needed),
          challenge,
        );
        return;
      }
    }
    const server = options.server();
    // Stateless (no `sessionIdGenerator`): each request stands alone, with its own token.
    const transport = new GuardedTransport(new StreamableHTTPServerTransport({}), options.tools);
    res.on('close', () => {
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    });
    await server.connect(transport);
    await transport.inner.handleRequest(
      Object.assign(req, { auth: authInfoOf(req, token) }),
      res,
      body,
    );
  }

  return (req: Request, res: Response, next: NextFunction) => {
    metadata(req, res, () => {
      if (req.path !== endpoint) {
        next();
        return;
      }
      if (req.method !== 'POST') {
        res.set('Allow', 'POST');
        jsonRpcError(res, 405, -32000, 'this stateless MCP server takes POST only');
        return;
      }
      authenticate(req, res, (err?: unknown) => {
        if (err !== undefined) next(err);
        else serve(req, res).catch(next);
      });
    });
  };
}

/**
 * The Mandate token a tool call came with, inside a tool of a server behind
 * {@link protectMcpServer}: its agent, task, scopes and targets.
 *
 * @example
 * server.registerTool('comment', { inputSchema: { ticket_id: z.string() } }, (args, extra) => {
 *   const { agentId, taskId } = mcpMandateOf(extra);
 *   ...
 * });
 */
export function mcpMandateOf(extra: { readonly authInfo?: AuthInfo | undefined }): VerifiedToken {
  const token = tokenOf(extra);
  if (!token) throw new Error('mcpMandateOf() called outside a server behind protectMcpServer()');
  return token;
}

/** The SDK's `AuthInfo` for a verified token, the token itself under `extra.mandate`. */
function authInfoOf(req: Request, token: VerifiedToken): AuthInfo {
  const aud = token.claims.aud;
  return {
    token: /^Bearer +(\S+)/i.exec(req.get('authorization') ?? '')?.[1] ?? '',
    clientId: token.agentId,
    scopes: [...token.scopes],
    expiresAt: token.expiresAt,
    ...(typeof aud === 'string' ? { resource: new URL(aud) } : {}),
    extra: { [MANDATE_AUTH_KEY]: token },
  };
}

/** A JSON-RPC error outside any request, as the SDK's transport writes its own. */
function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
