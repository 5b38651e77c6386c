import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RevocationEntry } from '@mandate/verifier';
import {
  startTicketsMcpServer,
  type RunningTicketsMcpServer,
} from '../../examples/mcp-server/server.js';
import { clearPrefix, uniquePrefix } from '../grants/redis-support.js';
import { freePort } from '../support/free-port.js';
import { exchangeOrThrow } from '../support/post-exchange.js';
import { TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, call, startRedisBroker } from './redis-broker.js';

// The example tickets MCP server behind @mandate/verifier/mcp, called by the official MCP SDK
// client with tokens a real broker (on the real Redis) issued for the server's URI. The
// catalogue's tickets resource is the MCP server: its audience is the server's URL.
const TRIAGE = '/agent/triage';

describe('an MCP server protected by Mandate, called with the official SDK client', () => {
  const prefix = uniquePrefix();
  let broker: TestBroker;
  let mcp: RunningTicketsMcpServer;
  const heard: ((entry: RevocationEntry) => void)[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    broker = await startRedisBroker(prefix, {
      config: {
        resources: {
          ...TEST_RESOURCES,
          tickets: { ...TEST_RESOURCES.tickets, audience: resource },
        },
      },
    });
    mcp = await startTicketsMcpServer({
      port,
      resource,
      authorizationServer: 'http://mandate.test',
      verifier: {
        brokerUrl: broker.url,
        revocation: {
          mode: 'feed',
          apiKey: OPERATOR_KEYS.resource_server.key,
          onRevocation: (entry) => heard.forEach((listener) => listener(entry)),
          onError: () => undefined,
        },
      },
    });
  });
  afterAll(async () => {
    await mcp.close();
    await broker.close();
    await clearPrefix(prefix);
  });

  /** A token of the triage agent for the MCP server, as the agent's exchange asks for it. */
  async function tokenFor(scope: string, targets?: string[]) {
    return exchangeOrThrow(broker.url, await broker.td.svid({ path: TRIAGE }), {
      audience: 'tickets',
      scope,
      intent: { purpose: 'triage the printer tickets', ...(targets ? { targets } : {}) },
    });
  }

  /** What the server answered at the HTTP layer, seen through the client's own fetch. */
  interface Answer {
    readonly status: number;
    readonly challenge: string | null;
  }

  /** The official client, its token in every request's Authorization header. */
  async function connect(token: string): Promise<{ client: Client; answers: Answer[] }> {
    const answers: Answer[] = [];
    const transport = new StreamableHTTPClientTransport(new URL(mcp.url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        answers.push({ status: res.status, challenge: res.headers.get('www-authenticate') });
        return res;
      },
    });
    const client = new Client({ name: 'triage-agent', version: '1.0.0' });
    await client.connect(transport);
    return { client, answers };
  }

  const textOf = (result: Record<string, unknown>) =>
    (result.content as { type: string; text: string }[]).map((c) => c.text).join('');

  it('lists only the tools the token allows, runs an allowed call, refuses the others', async () => {
    const { token } = await tokenFor('tickets:read tickets:write', ['T-1']);
    const { client, answers } = await connect(token);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['comment', 'list_tickets']);

      const listed = await client.callTool({ name: 'list_tickets', arguments: {} });
      expect(listed.isError).toBeFalsy();
      expect(JSON.parse(textOf(listed))).toEqual([
        { id: 'T-1', title: 'Printer on fire', comments: 0 },
        { id: 'T-2', title: 'VPN drops every hour', comments: 0 },
        { id: 'T-3', title: 'Spam from the legacy mailer', comments: 0 },
      ]);

      const commented = await client.callTool({
        name: 'comment',
        arguments: { ticket_id: 'T-1', text: 'looking into it' },
      });
      expect(textOf(commented)).toBe('commented on T-1');
      expect(mcp.tickets.get('T-1')!.comments).toEqual([
        expect.objectContaining({
          text: 'looking into it',
          by: `spiffe://test.example${TRIAGE}`,
        }),
      ]);

      // A ticket outside the task's targets: a tool error the agent reads, the tool never runs.
      const outside = await client.callTool({
        name: 'comment',
        arguments: { ticket_id: 'T-2', text: 'me too' },
      });
      expect(outside).toMatchObject({ isError: true });
      expect(textOf(outside)).toBe('Refused: T-2 is not among the targets of this task.');
      expect(mcp.tickets.get('T-2')!.comments).toEqual([]);

      // A tool outside the token's scopes: HTTP 403, the MCP step-up challenge naming the scope.
      answers.length = 0;
      await expect(
        client.callTool({ name: 'delete_ticket', arguments: { ticket_id: 'T-1' } }),
      ).rejects.toMatchObject({ code: 403 });
      expect(answers).toEqual([
        {
          status: 403,
          challenge: `Bearer error="insufficient_scope", error_description="the tool delete_ticket needs the scope tickets:delete", scope="tickets:delete", resource_metadata="${mcp.metadataUrl}"`,
        },
      ]);
      expect(mcp.tickets.has('T-1')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('shows a read-only token the read tool alone and challenges a write', async () => {
    const { token } = await tokenFor('tickets:read', ['T-1']);
    const { client, answers } = await connect(token);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['list_tickets']);
      answers.length = 0;
      await expect(
        client.callTool({ name: 'comment', arguments: { ticket_id: 'T-1', text: 'x' } }),
      ).rejects.toMatchObject({ code: 403 });
      expect(answers[0]!.challenge).toContain('scope="tickets:write"');
    } finally {
      await client.close();
    }
  });

  it('fails closed on a token whose task named no targets: no tool that acts on one', async () => {
    const { token } = await tokenFor('tickets:read tickets:write');
    const { client } = await connect(token);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['list_tickets']);
      const refused = await client.callTool({
        name: 'comment',
        arguments: { ticket_id: 'T-3', text: 'x' },
      });
      expect(refused).toMatchObject({ isError: true });
      expect(textOf(refused)).toBe(
        'Refused: the task named no targets, so the tool comment may act on none.',
      );
      expect(mcp.tickets.get('T-3')!.comments).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('answers a request without a token 401 pointing at the metadata, which names the broker', async () => {
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${mcp.metadataUrl}"`,
    );
    const metadata = await fetch(mcp.metadataUrl);
    expect(await metadata.json()).toEqual({
      resource: mcp.resource,
      authorization_servers: ['http://mandate.test'],
      scopes_supported: ['tickets:read', 'tickets:write', 'tickets:delete'],
      bearer_methods_supported: ['header'],
      resource_name: 'Tickets (MCP)',
    });
  });

  it('refuses the next call once an operator revokes the task (the feed, checked per call)', async () => {
    const { token, taskId } = await tokenFor('tickets:read tickets:write', ['T-1']);
    const { client, answers } = await connect(token);
    try {
      await client.callTool({ name: 'list_tickets', arguments: {} });
      const revoked = new Promise<void>((resolve) =>
        heard.push((entry) => {
          if (entry.kind === 'task' && entry.task === taskId) resolve();
        }),
      );
      const agent = encodeURIComponent(`spiffe://test.example${TRIAGE}`);
      const res = await call(
        broker.url,
        'POST',
        `/v1/tasks/${encodeURIComponent(taskId)}/revoke?agent=${agent}`,
        OPERATOR_KEYS.revoker.key,
      );
      expect(res.status).toBe(200);
      await revoked;

      answers.length = 0;
      await expect(client.callTool({ name: 'list_tickets', arguments: {} })).rejects.toMatchObject({
        code: 401,
      });
      expect(answers).toEqual([
        {
          status: 401,
          challenge: `Bearer error="invalid_token", error_description="the token's task was revoked", resource_metadata="${mcp.metadataUrl}"`,
        },
      ]);
    } finally {
      await client.close();
    }
  });
});
