// The tools of the tickets MCP server, on an in-memory ticket store. The server is built fresh
// for each HTTP request (the transport is stateless); the store outlives them.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { mcpMandateOf, type McpToolRules } from '@mandate/verifier/mcp';

/** One ticket and what agents said on it. */
export interface Ticket {
  readonly id: string;
  readonly title: string;
  readonly comments: { readonly text: string; readonly by: string; readonly task: string }[];
}

/** The tickets, by id. */
export type TicketStore = Map<string, Ticket>;

/** Three open tickets, the demo's starting state. */
export function sampleTickets(): TicketStore {
  return new Map(
    [
      { id: 'T-1', title: 'Printer on fire', comments: [] },
      { id: 'T-2', title: 'VPN drops every hour', comments: [] },
      { id: 'T-3', title: 'Spam from the legacy mailer', comments: [] },
    ].map((ticket) => [ticket.id, ticket]),
  );
}

/**
 * What each tool needs of the caller's token, in the catalogue's scopes of the tickets resource
 * (config/mandate.yaml): reading is `tickets:read`, a comment `tickets:write` on a ticket the
 * task named, deleting the destructive `tickets:delete` on such a ticket.
 */
export const TICKET_TOOLS: McpToolRules = {
  list_tickets: { scope: 'tickets:read' },
  comment: { scope: 'tickets:write', target: 'ticket_id' },
  delete_ticket: { scope: 'tickets:delete', target: 'ticket_id' },
};

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** An MCP server whose three tools read and change `tickets`. */
export function createTicketsMcpServer(tickets: TicketStore): McpServer {
  const server = new McpServer({ name: 'mandate-tickets', version: '0.1.0' });

  server.registerTool(
    'list_tickets',
    { description: 'List the open tickets.', annotations: { readOnlyHint: true } },
    () =>
      text(
        JSON.stringify(
          [...tickets.values()].map(({ id, title, comments }) => ({
            id,
            title,
            comments: comments.length,
          })),
        ),
      ),
  );

  server.registerTool(
    'comment',
    {
      description: 'Add a comment to a ticket.',
      inputSchema: { ticket_id: z.string(), text: z.string().max(2000) },
    },
    ({ ticket_id, text: comment }, extra) => {
      const ticket = tickets.get(ticket_id);
      if (!ticket) return { ...text(`no ticket ${ticket_id}`), isError: true };
      const { agentId, taskId } = mcpMandateOf(extra);
      ticket.comments.push({ text: comment, by: agentId, task: taskId });
      return text(`commented on ${ticket_id}`);
    },
  );

  server.registerTool(
    'delete_ticket',
    {
      description: 'Delete a ticket for good.',
      inputSchema: { ticket_id: z.string() },
      annotations: { destructiveHint: true },
    },
    ({ ticket_id }) => {
      if (!tickets.delete(ticket_id)) return { ...text(`no ticket ${ticket_id}`), isError: true };
      return text(`deleted ${ticket_id}`);
    },
  );
  return server;
}
