import type { VerifiedToken } from '@mandate/verifier';
import { callRefusal, toolVisible } from '../../packages/verifier/src/mcp-tool-rules.js';

// The decisions of the MCP adapter, tool by tool; test/e2e/mcp-server.e2e.test.ts runs them
// through the SDK client against the example server.
const rules = {
  list_tickets: { scope: 'tickets:read' },
  comment: { scope: 'tickets:write', target: 'ticket_id' },
  merge: { scope: ['tickets:write', 'tickets:delete'], target: 'ticket_ids' },
};

const token = (scopes: string[], targets: string[]) =>
  ({ scopes, targets }) as unknown as VerifiedToken;

describe('MCP tool rules', () => {
  const writer = token(['tickets:read', 'tickets:write'], ['T-1', 'T-2']);

  it('shows a tool only when every scope is held and, for a targeted tool, targets are named', () => {
    expect(Object.keys(rules).filter((name) => toolVisible(writer, rules, name))).toEqual([
      'list_tickets',
      'comment',
    ]);
    const untargeted = token(['tickets:read', 'tickets:write'], []);
    expect(toolVisible(untargeted, rules, 'comment')).toBe(false);
    expect(toolVisible(writer, rules, 'undeclared')).toBe(false);
    expect(toolVisible(writer, rules, '__proto__')).toBe(false);
  });

  it.each([
    ['an allowed call', 'comment', { ticket_id: 'T-1' }, undefined],
    ['a call of a tool without a target', 'list_tickets', undefined, undefined],
    [
      'an undeclared tool',
      'close_ticket',
      {},
      'the tool close_ticket is not declared to Mandate, so no token may call it',
    ],
    [
      'a prototype key as a tool name',
      'constructor',
      {},
      'the tool constructor is not declared to Mandate, so no token may call it',
    ],
    [
      'a missing scope',
      'merge',
      { ticket_ids: ['T-1'] },
      'the tool merge needs the scope tickets:delete',
    ],
    [
      'a target outside the task',
      'comment',
      { ticket_id: 'T-9' },
      'T-9 is not among the targets of this task',
    ],
    [
      'no target argument',
      'comment',
      { text: 'x' },
      'the tool comment needs its target in the argument "ticket_id"',
    ],
    [
      'a target that is not a string',
      'comment',
      { ticket_id: 1 },
      'the tool comment needs its target in the argument "ticket_id"',
    ],
  ])('decides %s', (_what, name, args, refusal) => {
    expect(callRefusal(writer, rules, name, args)).toBe(refusal);
  });

  it('checks every target of a list argument, and refuses an empty list', () => {
    const merger = token(['tickets:write', 'tickets:delete'], ['T-1', 'T-2']);
    expect(callRefusal(merger, rules, 'merge', { ticket_ids: ['T-1', 'T-2'] })).toBeUndefined();
    expect(callRefusal(merger, rules, 'merge', { ticket_ids: ['T-1', 'T-3', 'T-4'] })).toBe(
      'T-3, T-4 are not among the targets of this task',
    );
    expect(callRefusal(merger, rules, 'merge', { ticket_ids: [] })).toBe(
      'the tool merge needs its target in the argument "ticket_ids"',
    );
  });

  it('fails closed when the task named no targets', () => {
    expect(callRefusal(token(['tickets:write'], []), rules, 'comment', { ticket_id: 'T-1' })).toBe(
      'the task named no targets, so the tool comment may act on none',
    );
  });
});
