import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Verifier } from '@mandate/verifier';
import { mcpMandateOf, protectMcpServer } from '@mandate/verifier/mcp';
import {
  FAKE_AUDIENCE,
  feedVerifierOf,
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';

// protectMcpServer() around a server with a tool it was not told about, behind express.json(),
// with the test double of the broker; the example server on a real broker is
// test/e2e/mcp-server.e2e.test.ts.
const RESOURCE = `${FAKE_AUDIENCE}/mcp`;

describe('protectMcpServer()', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: 50, audience: RESOURCE });
    verifier = await feedVerifierOf(broker, { audience: RESOURCE });
    const build = () => {
      const mcp = new McpServer({ name: 'test', version: '1.0.0' });
      mcp.registerTool('whoami', {}, (extra) => {
        const token = mcpMandateOf(extra);
        const auth = extra.authInfo!;
        const seen = [token.agentId, token.taskId, auth.clientId, String(auth.resource)];
        return { content: [{ type: 'text', text: seen.join(' ') }] };
      });
      mcp.registerTool('debug_dump', {}, () => ({ content: [{ type: 'text', text: 'secrets' }] }));
      return mcp;
    };
    const app = express();
    app.use(express.json());
    app.use(
      protectMcpServer({
        verifier,
        resource: RESOURCE,
        authorizationServers: [broker.issuer],
        server: build,
        tools: { whoami: { scope: 'tickets:read' } },
      }),
    );
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await verifier.close();
    await broker.close();
  });

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  }

  it('hands the tool the verified token, in extra.authInfo', async () => {
    const { token, task } = await broker.issue({ scope: 'tickets:read', aud: RESOURCE });
    const client = await connect(token);
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.content).toEqual([
        {
          type: 'text',
          text: `spiffe://test.example/agent/triage ${task} spiffe://test.example/agent/triage ${RESOURCE}`,
        },
      ]);
    } finally {
      await client.close();
    }
  });

  it('hides and refuses a tool it was not told about (fail closed)', async () => {
    const { token } = await broker.issue({ scope: 'tickets:read', aud: RESOURCE });
    const client = await connect(token);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['whoami']);
      expect(await client.callTool({ name: 'debug_dump', arguments: {} })).toEqual({
        content: [
          {
            type: 'text',
            text: 'Refused: the tool debug_dump is not declared to Mandate, so no token may call it.',
          },
        ],
        isError: true,
      });
    } finally {
      await client.close();
    }
  });

  it('answers GET and DELETE 405 (stateless: POST only), and a body that is not JSON 400', async () => {
    const { token } = await broker.issue({ scope: 'tickets:read', aud: RESOURCE });
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'the body is not JSON' },
      id: null,
    });
  });

  it('refuses a token for another resource 401 invalid_token', async () => {
    const { token } = await broker.issue({ scope: 'tickets:read', aud: FAKE_AUDIENCE });
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="https:\/\/tickets\.example\/\.well-known\/oauth-protected-resource\/mcp"$/,
    );
  });
});
