import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarRequest } from './cedar-request.js';
import type { ComparedPath, ContextPath, ContextReads, IntegerTest } from './context-paths.js';
import type { DecisionInput } from './decision-input.js';

type Context = Readonly<Record<string, CedarValueJson>>;

/** Builds the part of a decision's cache key that comes from `context`. */
export type ContextKey = (context: Context) => string;

/**
 * The context's part of a decision key: the value of each path the set reads, the outcomes of
 * the comparisons of each path it only compares with integer literals (the value itself when it
 * is not an integer), and the presence of each path it tests, nothing else (all of it when the
 * set reads the whole context). A value is its JSON; a chain that stops early says where, and
 * what it stopped on (the attribute names of a record lacking the next one, the value of
 * something that is not a record), since Cedar's answer (an error) may depend on that. The
 * components come in a fixed order, outcomes start with `#` (which no JSON nor stop does) and
 * JSON never holds a raw newline, so distinct reads give distinct keys.
 *
 * @example
 * const key = contextKey(contextReads({ p: 'forbid (principal, action, resource) when { context.task.exchanges >= 20 };' }));
 * key({ task: { exchanges: 3, id: 'T-1' }, tier: 'read' }); // '#0\n', as for 4 or 19; 20 gives '#1\n'
 */
export function contextKey(reads: ContextReads): ContextKey {
  if (reads.whole) return (context) => JSON.stringify(context);
  const { values, compared, presence } = reads;
  return (context) => {
    let key = '';
    for (const path of values) key += `${valueAt(context, path)}\n`;
    for (const read of compared) key += `${outcomesAt(context, read)}\n`;
    for (const path of presence) key += `${presenceAt(context, path)}\n`;
    return key;
  };
}

/** The value at `path`, or where and on what the chain stops (a string starting `?` or `!`). */
function lookup(context: Context, path: ContextPath): { value: unknown } | string {
  let at: unknown = context;
  for (let i = 0; i < path.length; i += 1) {
    if (!isRecord(at)) return `?${i}${JSON.stringify(at)}`;
    const next = at[path[i]!];
    if (next === undefined || !Object.hasOwn(at, path[i]!))
      return `!${i}${JSON.stringify(Object.keys(at))}`;
    at = next;
  }
  return { value: at };
}

function valueAt(context: Context, path: ContextPath): string {
  const found = lookup(context, path);
  return typeof found === 'string' ? found : JSON.stringify(found.value);
}

function outcomesAt(context: Context, read: ComparedPath): string {
  const found = lookup(context, read.path);
  if (typeof found === 'string') return found;
  const { value } = found;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return JSON.stringify(value);
  let bits = '#';
  for (const test of read.tests) bits += holds(value, test) ? '1' : '0';
  return bits;
}

function holds(value: number, { op, literal }: IntegerTest): boolean {
  switch (op) {
    case '<':
      return value < literal;
    case '<=':
      return value <= literal;
    case '>':
      return value > literal;
    case '>=':
      return value >= literal;
    case '==':
      return value === literal;
    case '!=':
      return value !== literal;
  }
}

function presenceAt(context: Context, path: ContextPath): string {
  let at: unknown = context;
  for (let i = 0; i < path.length; i += 1) {
    if (!isRecord(at)) return `?${i}${JSON.stringify(at)}`;
    const next = at[path[i]!];
    if (next === undefined || !Object.hasOwn(at, path[i]!)) return `!${i}`;
    at = next;
  }
  return '+';
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The key of a decision but its action (the scope, appended per scope): the agent and resource
 * entities whole, the context's optional parts, the context paths the set reads. Undefined for
 * a request that must not use the cache.
 */
export function decisionKeyPrefix(
  input: DecisionInput,
  request: CedarRequest,
  ofContext: ContextKey,
): string | undefined {
  if (!cacheable(input)) return undefined;
  const [agent, resource] = request.entities;
  return `${JSON.stringify(agent!.attrs)}\n${JSON.stringify(resource!.attrs)}\n${contextShape(input)}\n${ofContext(request.context)}`;
}

/**
 * Whether a request may use the cache. Cedar refuses a context whose numbers are not integers
 * (request validation); such a request is decided afresh, so a cached answer never stands for
 * it, whatever the set reads.
 */
function cacheable(input: DecisionInput): boolean {
  const t = input.task;
  return (
    Number.isSafeInteger(t.ageSeconds) &&
    Number.isSafeInteger(t.exchanges) &&
    Number.isSafeInteger(t.liveGrants) &&
    Number.isFinite(input.now) &&
    (input.delegation === undefined || Number.isSafeInteger(input.delegation.depth))
  );
}

/**
 * The context's optional parts, always in the key: whether the request validates against the
 * schema can depend on them even when no policy reads them.
 */
function contextShape(input: DecisionInput): string {
  if (input.delegation === undefined) return '-';
  return input.delegation.person === undefined ? 'd' : 'dp';
}
