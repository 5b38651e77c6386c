// A workload agent that reaches its tools through an MCP server protected by Mandate, with the
// official MCP SDK client. It finds the broker from the server's RFC 9728 metadata, gets a token
// for the server's URI with the RFC 7523 jwt-bearer grant and RFC 9396 authorization_details,
// then works: lists its tools, comments on its ticket, is refused a tool outside its scopes and
// a ticket outside its targets, completes its task, and is refused the next call.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** What the agent needs: the MCP server, its own identity, and somewhere to say what it does. */
export interface McpAgentOptions {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8081/mcp`. */
  readonly mcpUrl: string;
  /** The agent's JWT-SVID (from the SPIRE agent, or `mandate dev svid`). */
  readonly svid: () => Promise<string>;
  readonly say: (who: string, line: string) => void;
  /**
   * Resolves once the MCP server has heard that the task ended (its verifier follows the
   * broker's revocation feed, within a second): the demo and the tests pass the server's feed
   * listener, so "the next call" is never a race.
   */
  readonly taskEnded?: (taskId: string) => Promise<void>;
}

/** What happened, step by step, as a test or the demo checks it. */
export interface McpAgentResult {
  /** The status of the first call, made without a token. */
  readonly unauthenticated: number;
  /** The broker the server's metadata named. */
  readonly authorizationServer: string;
  /** The tools `tools/list` showed the token. */
  readonly tools: readonly string[];
  /** The allowed tool's answer. */
  readonly commented: string;
  /** The status of the call to a tool outside the token's scopes. */
  readonly outsideScopes: number;
  /** The tool error of the call on a ticket outside the task's targets. */
  readonly outsideTargets: string;
  /** The status of the call made after the task was completed. */
  readonly afterCompletion: number;
}

/** An MCP client whose every request carries `token`; connected. */
async function connect(mcpUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'triage-agent', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** What the agent reads of the broker's RFC 8414 metadata. */
interface ServerMetadata {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly grant_types_supported?: readonly string[];
}

/**
 * The RFC 8414 metadata of `issuer` (section 3.1: the well-known path inserted before the
 * issuer's path). Read directly: the SDK's discovery expects an authorization endpoint, which a
 * broker for workloads, with no browser flow, does not have.
 */
async function serverMetadata(issuer: string): Promise<ServerMetadata> {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname;
  const res = await fetch(new URL(`/.well-known/oauth-authorization-server${path}`, url));
  if (!res.ok) throw new Error(`no RFC 8414 metadata at ${issuer}: ${res.status}`);
  const metadata = (await res.json()) as ServerMetadata;
  if (metadata.issuer !== issuer) throw new Error(`metadata of ${issuer} names ${metadata.issuer}`);
  return metadata;
}

/** The HTTP status an MCP call failed with (the SDK puts it on the error), or 0. */
function statusOf(err: unknown): number {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  const match = /HTTP (\d{3})/.exec(String((err as Error).message));
  return match ? Number(match[1]) : 0;
}

/** The text of a tool's answer. */
function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/**
 * Runs the agent's task on ticket T-1 against the MCP server at `mcpUrl`.
 *
 * @example
 * const result = await runMcpAgent({ mcpUrl, svid: () => devSvid(), say: console.log });
 */
export async function runMcpAgent(options: McpAgentOptions): Promise<McpAgentResult> {
  const { mcpUrl, say } = options;

  // 1. No token yet: the server's challenge names its RFC 9728 metadata.
  const bare = await fetch(mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/list' }),
  });
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(bare);
  say(
    'agent',
    `1. call without a token -> ${bare.status}, resource_metadata ${String(resourceMetadataUrl)}`,
  );

  // 2. The metadata names the resource to ask for and the authorization server: Mandate.
  const resource = await discoverOAuthProtectedResourceMetadata(mcpUrl, {
    ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}),
  });
  const authorizationServer = resource.authorization_servers?.[0];
  if (!authorizationServer) throw new Error('the MCP server names no authorization server');
  const broker = await serverMetadata(authorizationServer);
  if (!broker.grant_types_supported?.includes(JWT_BEARER))
    throw new Error(`${authorizationServer} does not serve the jwt-bearer grant`);
  say('agent', `2. resource ${resource.resource}, authorization server ${authorizationServer}`);

  // 3. A token for exactly this task: read the queue, comment on T-1.
  const details = [
    {
      type: 'agent_task',
      actions: ['tickets:read', 'tickets:write'],
      purpose: 'triage ticket T-1',
      targets: ['T-1'],
    },
  ];
  const answer = await fetch(broker.token_endpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: JWT_BEARER,
      assertion: await options.svid(),
      resource: resource.resource,
      authorization_details: JSON.stringify(details),
    }),
  });
  const tokens = (await answer.json()) as Record<string, unknown>;
  if (answer.status !== 200)
    throw new Error(
      `the broker refused: ${String(tokens.error)} ${String(tokens.error_description)}`,
    );
  const token = tokens.access_token as string;
  const taskId = tokens.task_id as string;
  say(
    'agent',
    `3. jwt-bearer -> ${answer.status}, scope "${String(tokens.scope)}", task ${taskId}`,
  );

  // 4. Work through the MCP server; every call is checked against the live token.
  const client = await connect(mcpUrl, token);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  say('agent', `4. tools/list -> ${tools.join(', ')}`);
  const commented = textOf(
    await client.callTool({ name: 'comment', arguments: { ticket_id: 'T-1', text: 'on it' } }),
  );
  say('agent', `5. comment on T-1 -> ${commented}`);
  const outsideScopes = await client
    .callTool({ name: 'delete_ticket', arguments: { ticket_id: 'T-1' } })
    .then(
      () => 200,
      (err: unknown) => statusOf(err),
    );
  say('agent', `6. delete_ticket T-1 (not in its scopes) -> ${outsideScopes}`);
  const outsideTargets = textOf(
    await client.callTool({ name: 'comment', arguments: { ticket_id: 'T-2', text: 'me too' } }),
  );
  say('agent', `7. comment on T-2 (not among its targets) -> ${outsideTargets}`);
  await client.close();

  // 5. The task is over: every grant of it dies, and the server refuses the next call.
  const base = broker.issuer.replace(/\/$/, '');
  const completion = await fetch(`${base}/v1/tasks/${encodeURIComponent(taskId)}/complete`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  say('agent', `8. complete task ${taskId} -> ${completion.status}`);
  await options.taskEnded?.(taskId);
  const afterCompletion = await connect(mcpUrl, token).then(
    async (late) => {
      await late.close();
      return 200;
    },
    (err: unknown) => statusOf(err),
  );
  say('agent', `9. the next call with the same token -> ${afterCompletion}`);

  return {
    unauthenticated: bare.status,
    authorizationServer,
    tools,
    commented,
    outsideScopes,
    outsideTargets,
    afterCompletion,
  };
}
