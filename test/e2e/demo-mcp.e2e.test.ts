import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMcpAgent } from '../../examples/mcp-agent/agent.js';
import { taskEndWatch } from '../../examples/mcp-agent/task-end-watch.js';
import {
  startTicketsMcpServer,
  type RunningTicketsMcpServer,
} from '../../examples/mcp-server/server.js';
import { buildBroker } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { clearPrefix, uniquePrefix } from '../grants/redis-support.js';
import { freePort } from '../support/free-port.js';
import { TEST_RESOURCES, quietLogger, collectLines } from '../support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { OPERATOR_KEYS, redisBrokerConfig } from './redis-broker.js';

// `npm run demo:mcp` against the real server and Redis: the example agent, with the official MCP
// SDK client, finds the broker from the example MCP server's RFC 9728 metadata, gets its token
// with the jwt-bearer grant and authorization_details, and works until its task ends. The broker
// is reachable at its issuer, as discovery needs; its tickets resource is the MCP server.
describe('the MCP demo: an agent, an MCP server and the broker', () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'mandate-demo-mcp-'));
  const watch = taskEndWatch();
  let td: TestTrustDomain;
  let broker: RunningServer;
  let mcp: RunningTicketsMcpServer;
  let issuer: string;

  beforeAll(async () => {
    td = await createTestTrustDomain('test.example', dir);
    const [brokerPort, mcpPort] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${brokerPort}`;
    const resource = `http://127.0.0.1:${mcpPort}/mcp`;
    const raw = {
      ...redisBrokerConfig(td, prefix),
      server: { host: '127.0.0.1', port: brokerPort },
      issuer,
      resources: { ...TEST_RESOURCES, tickets: { ...TEST_RESOURCES.tickets, audience: resource } },
    };
    const built = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
      logger: quietLogger,
      auditStdout: collectLines([]),
    });
    broker = await startServer(built, { host: '127.0.0.1', port: brokerPort });
    mcp = await startTicketsMcpServer({
      port: mcpPort,
      resource,
      authorizationServer: issuer,
      verifier: {
        revocation: {
          mode: 'feed',
          apiKey: OPERATOR_KEYS.resource_server.key,
          onRevocation: watch.onRevocation,
          onError: () => undefined,
        },
      },
    });
  });
  afterAll(async () => {
    await mcp.close();
    await broker.close();
    await clearPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('discovers, exchanges, works within its task, and is refused once the task is over', async () => {
    const lines: string[] = [];
    const result = await runMcpAgent({
      mcpUrl: mcp.url,
      svid: () => td.svid({ path: '/agent/triage' }),
      say: (who, line) => lines.push(`[${who}] ${line}`),
      taskEnded: watch.taskEnded,
    });
    expect(result).toEqual({
      unauthenticated: 401,
      authorizationServer: issuer,
      tools: ['list_tickets', 'comment'],
      commented: 'commented on T-1',
      outsideScopes: 403,
      outsideTargets: 'Refused: T-2 is not among the targets of this task.',
      afterCompletion: 401,
    });
    const comments = mcp.tickets.get('T-1')!.comments;
    expect(comments.map(({ text, by }) => ({ text, by }))).toEqual([
      { text: 'on it', by: 'spiffe://test.example/agent/triage' },
    ]);
    expect(mcp.tickets.get('T-2')!.comments).toEqual([]);
    expect(mcp.tickets.has('T-1')).toBe(true);
    expect(lines[2]).toMatch(
      /^\[agent\] 3\. jwt-bearer -> 200, scope "tickets:read tickets:write"/,
    );
  });
});
