// `npm run demo:mcp`: an agent reaches its tools through an MCP server protected by Mandate.
// Starts the broker in dev mode (its own process), the tickets MCP server (examples/mcp-server)
// with its verifier following the revocation feed, then the agent (examples/mcp-agent) with the
// official MCP SDK client: it finds Mandate from the server's RFC 9728 metadata, gets a token
// for the server's URI with the jwt-bearer grant and authorization_details, lists its tools,
// comments on its ticket, is refused a tool outside its scopes and a ticket outside its targets,
// completes its task, and is refused the next call. Exits 0 when all of that happened.
import { devSvid } from './agent/agent.js';
import { freePort, runDemo, say } from './demo-broker.js';
import { runMcpAgent, type McpAgentResult } from './mcp-agent/agent.js';
import { taskEndWatch } from './mcp-agent/task-end-watch.js';
import { startTicketsMcpServer } from './mcp-server/server.js';

/** What the run must show; each line names what went wrong otherwise. */
export function mcpDemoProblems(result: McpAgentResult): string[] {
  const problems: string[] = [];
  if (result.unauthenticated !== 401) problems.push('a call without a token was not refused');
  if (result.tools.join(',') !== 'list_tickets,comment')
    problems.push(`tools/list showed ${result.tools.join(', ')}`);
  if (result.commented !== 'commented on T-1') problems.push('the allowed comment failed');
  if (result.outsideScopes !== 403) problems.push('a tool outside the scopes was not refused');
  if (!result.outsideTargets.startsWith('Refused: T-2'))
    problems.push('a ticket outside the targets was not refused');
  if (result.afterCompletion !== 401) problems.push('the token still worked after the task ended');
  return problems;
}

const mcpPort = await freePort();
const resource = `http://127.0.0.1:${mcpPort}/mcp`;
say('demo', 'starting the broker (dev mode), its tickets resource being the MCP server');
const pointedAtMcp = (catalogue: Record<string, unknown>) => ({
  ...catalogue,
  tickets: { ...(catalogue.tickets as object), audience: resource },
});
process.exit(
  await runDemo({ resources: pointedAtMcp }, async (broker) => {
    const watch = taskEndWatch();
    const mcp = await startTicketsMcpServer({
      port: mcpPort,
      resource,
      authorizationServer: broker.url,
      verifier: {
        revocation: {
          mode: 'feed',
          apiKey: broker.apiKey,
          onRevocation: (entry) => {
            say(
              'mcp',
              `feed: ${entry.kind} revoked (${entry.reason}) ${entry.task ?? entry.jti ?? ''}`,
            );
            watch.onRevocation(entry);
          },
        },
      },
    });
    say('mcp', `tickets MCP server at ${mcp.url}, metadata at ${mcp.metadataUrl}`);
    try {
      const result = await runMcpAgent({
        mcpUrl: mcp.url,
        svid: () => devSvid('spiffe://dev.mandate.local/agent/triage', broker.file),
        say,
        taskEnded: watch.taskEnded,
      });
      const problems = mcpDemoProblems(result);
      for (const problem of problems) say('demo', `FAILED: ${problem}`);
      if (problems.length === 0)
        say('demo', 'done: every tool call was checked against the task, and died with it.');
      return problems.length === 0;
    } finally {
      await mcp.close();
    }
  }),
);
