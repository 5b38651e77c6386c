import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Whether any of the policies may read `context.task`, the task's live state, which costs the
 * exchange a store read. Conservative: only `context.<attr>` and `context has <attr>` with
 * another attribute count as not reading it; any other use of `context` (the whole record
 * compared, passed on) or a policy that does not convert counts as reading it.
 *
 * @example
 * readsTaskContext({ budget: 'forbid (principal, action, resource) when { context.task.exchanges > 9 };' }); // true
 */
export function readsTaskContext(policies: Readonly<Record<string, string>>): boolean {
  return Object.values(policies).some((text) => {
    const answer = policyToJson(text);
    return answer.type !== 'success' || mentionsTask(answer.json);
  });
}

/** Walks Cedar's JSON form of a policy (an `{op: operands}` tree) for a use of context.task. */
function mentionsTask(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(mentionsTask);
  if (node === null || typeof node !== 'object') return false;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 1) {
    const [op, operand] = entries[0]!;
    if (op === 'Var') return operand === 'context';
    if ((op === '.' || op === 'has') && isContext(operand)) return firstAttr(operand) === 'task';
  }
  return entries.some(([, value]) => mentionsTask(value));
}

function isContext(operand: unknown): operand is { left: unknown; attr: unknown } {
  const left = (operand as { left?: unknown } | null)?.left as { Var?: unknown } | undefined;
  return left?.Var === 'context';
}

/** The attribute read: `context.a`, `context["a"]`, `context has a` or `context has a.b`. */
function firstAttr(operand: { attr: unknown }): unknown {
  return Array.isArray(operand.attr) ? (operand.attr as unknown[])[0] : operand.attr;
}
