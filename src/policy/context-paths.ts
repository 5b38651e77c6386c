import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';

/** A chain of attributes below `context`: `context.task.exchanges` is `['task', 'exchanges']`. */
export type ContextPath = readonly string[];

/** A comparison of a context value with an integer literal, the value on the left. */
export interface IntegerTest {
  readonly op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  readonly literal: number;
}

/** A chain only ever compared with integer literals, and those comparisons. */
export interface ComparedPath {
  readonly path: ContextPath;
  readonly tests: readonly IntegerTest[];
}

/** What of `context` a policy set may read, so a decision can be keyed on exactly that. */
export interface ContextReads {
  /** Some use of `context` is not a plain attribute chain: every value counts. */
  readonly whole: boolean;
  /** Chains whose value is read (a record read whole counts as its whole value). */
  readonly values: readonly ContextPath[];
  /**
   * Chains read only by comparing them with integer literals (`context.task.exchanges >= 20`):
   * when the value is an integer, only the comparisons' outcomes count, so every count below
   * 20 is one key; any other value counts whole.
   */
  readonly compared: readonly ComparedPath[];
  /** Chains only tested with `has`: their presence counts, not their value. */
  readonly presence: readonly ContextPath[];
}

/** The answer for a set that may read anything of `context`. */
export const WHOLE_CONTEXT: ContextReads = Object.freeze({
  whole: true,
  values: Object.freeze([]),
  compared: Object.freeze([]),
  presence: Object.freeze([]),
});

/**
 * The parts of `context` the policies may read, from Cedar's JSON form of each policy
 * (`policyToJson`). Only `context.a.b...` (or `context["a"]`) and `context has a.b` count as
 * reading less than the whole: `context` used any other way (compared, put in a set or record,
 * passed to a function, `is` / `in`), a template, or a policy Cedar cannot convert makes the
 * answer {@link WHOLE_CONTEXT}. A chain used whole (`context.task == ...`) reads that whole
 * record. A chain every use of which compares it with an integer literal (`<`, `<=`, `>`,
 * `>=`, `==`, `!=`, on either side) is compared, unless another path read goes below it. The
 * result is minimal: no path is covered by another value path.
 *
 * @example
 * contextReads({ p: 'forbid (principal, action, resource) when { context.task.exchanges > 9 };' });
 * // { whole: false, values: [['task', 'exchanges']], presence: [] }
 */
export function contextReads(policies: Readonly<Record<string, string>>): ContextReads {
  const found: Found = { whole: false, values: [], compared: [], presence: [] };
  for (const text of Object.values(policies)) {
    const answer = policyToJson(text);
    if (answer.type !== 'success') return WHOLE_CONTEXT;
    walk(answer.json, found);
    if (found.whole) return WHOLE_CONTEXT;
  }
  return minimal(found);
}

interface Found {
  whole: boolean;
  values: ContextPath[];
  compared: { path: ContextPath; test: IntegerTest }[];
  presence: ContextPath[];
}

/** Each comparison, and what it is with its operands swapped (`3 < x` is `x > 3`). */
const SWAPPED: Readonly<Record<IntegerTest['op'], IntegerTest['op']>> = {
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
  '==': '==',
  '!=': '!=',
};

/** `x <op> n` or `n <op> x` with `x` a chain below context and `n` an integer literal. */
function comparison(op: string, operand: unknown): { path: ContextPath; test: IntegerTest } | null {
  if (!Object.hasOwn(SWAPPED, op)) return null;
  const { left, right } = (operand ?? {}) as { left?: unknown; right?: unknown };
  const cmp = op as IntegerTest['op'];
  const l = contextChain(left);
  const r = contextChain(right);
  const onRight = integerLiteral(right);
  if (l !== null && l.length > 0 && onRight !== null)
    return { path: l, test: { op: cmp, literal: onRight } };
  const onLeft = integerLiteral(left);
  if (r !== null && r.length > 0 && onLeft !== null)
    return { path: r, test: { op: SWAPPED[cmp], literal: onLeft } };
  return null;
}

/** The value of `{"Value": n}` with `n` a safe integer; null for anything else. */
function integerLiteral(node: unknown): number | null {
  const v = (node as { Value?: unknown } | null)?.Value;
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
}

/** Walks Cedar's JSON form of a policy (an `{op: operands}` tree) for every use of context. */
function walk(node: unknown, found: Found): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 1) {
    const [op, operand] = entries[0]!;
    // Template slots read request values in ways this walk does not model.
    if (op === 'Var' || op === 'Slot' || op === 'slot') {
      if (op !== 'Var' || operand === 'context') found.whole = true;
      return;
    }
    const compared = comparison(op, operand);
    if (compared !== null) {
      found.compared.push(compared);
      return;
    }
    if (op === '.') {
      const chain = contextChain(node);
      if (chain !== null) {
        found.values.push(chain);
        return;
      }
    }
    if (op === 'has') {
      const { left, attr } = (operand ?? {}) as { left?: unknown; attr?: unknown };
      const chain = contextChain(left);
      const attrs = Array.isArray(attr) ? (attr as unknown[]) : [attr];
      if (chain !== null && attrs.every((a) => typeof a === 'string')) {
        found.presence.push([...chain, ...attrs]);
        return;
      }
    }
  }
  for (const [key, value] of entries) {
    if (key === 'slot') found.whole = true;
    walk(value, found);
  }
}

/** `context` itself is `[]`, `context.a.b` is `['a', 'b']`; anything else is null. */
function contextChain(node: unknown): string[] | null {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length !== 1) return null;
  const [op, operand] = entries[0]!;
  if (op === 'Var') return operand === 'context' ? [] : null;
  if (op !== '.') return null;
  const { left, attr } = (operand ?? {}) as { left?: unknown; attr?: unknown };
  if (typeof attr !== 'string') return null;
  const chain = contextChain(left);
  return chain === null ? null : [...chain, attr];
}

/**
 * Drops duplicates and paths a value path already determines. A compared chain that is also
 * read otherwise, or below which another path is read, counts as a value path.
 */
function minimal(found: Found): ContextReads {
  const unique = (paths: ContextPath[]) => [
    ...new Map(paths.map((p) => [JSON.stringify(p), p])).values(),
  ];
  const all = [...found.values, ...found.compared.map((c) => c.path), ...found.presence];
  const byPath = new Map<string, { path: ContextPath; tests: IntegerTest[] }>();
  const demoted: ContextPath[] = [];
  for (const { path, test } of found.compared) {
    const below = all.some((p) => p.length > path.length && isPrefix(path, p));
    const readOtherwise = found.values.some((v) => sameChain(v, path));
    if (below || readOtherwise) {
      demoted.push(path);
      continue;
    }
    const at = JSON.stringify(path);
    const entry = byPath.get(at) ?? { path, tests: [] };
    if (!entry.tests.some((t) => t.op === test.op && t.literal === test.literal))
      entry.tests.push(test);
    byPath.set(at, entry);
  }
  // The shortest first, so a path is kept only when no kept value path is its prefix.
  const values: ContextPath[] = [];
  for (const path of unique([...found.values, ...demoted]).sort((a, b) => a.length - b.length)) {
    if (!values.some((v) => isPrefix(v, path))) values.push(path);
  }
  const compared = [...byPath.values()].filter(
    ({ path }) => !values.some((v) => isPrefix(v, path)),
  );
  // A value path fixes the presence of every chain along it and below it; so does a compared
  // one (its key says where a chain stops).
  const fixed = [...values, ...compared.map((c) => c.path)];
  const presence = unique(found.presence).filter(
    (path) => !fixed.some((v) => isPrefix(v, path) || isPrefix(path, v)),
  );
  return { whole: false, values, compared, presence };
}

function sameChain(a: ContextPath, b: ContextPath): boolean {
  return a.length === b.length && isPrefix(a, b);
}

function isPrefix(prefix: ContextPath, path: ContextPath): boolean {
  return prefix.length <= path.length && prefix.every((attr, i) => path[i] === attr);
}
