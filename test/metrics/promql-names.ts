/** Words of PromQL that look like names but are not metrics. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, keywords,
 * label names (in matchers or grouping lists), durations, or Grafana variables.
 *
 * @example
 * metricNames('sum by (le) (rate(x_bucket{a="b"}[5m]))'); // ['x_bucket']
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[$\w.:]*[a-zA-Z_:][\w:]*/g)) {
    const word = m[0];
    if (/^[$\d.]/.test(word)) continue; // a Grafana variable or a number such as 1e3
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (/^\s*\(/.test(bare.slice(m.index + word.length))) continue; // a function
    names.add(word);
  }
  return [...names];
}
