/**
 * Characters that make a text shown to an approver or operator read differently from what it
 * is: C0 and C1 controls (CR/LF, ESC and so ANSI escape sequences, the C1 CSI and NEL), DEL,
 * Unicode bidi embeddings, overrides, isolates and marks (which reorder what a screen shows),
 * line and paragraph separators, and invisible format characters (zero-width spaces and joiners,
 * word joiner, invisible operators, BOM, interlinear annotations).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
const FORMAT = /[\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]/u;

/**
 * What is wrong with a free text an approver or operator will read, or null when it is safe to
 * show: `"contains a control character (U+001B)"` and the like, to follow the field's name.
 *
 * @example
 * textProblem('deploy\u202Etxt.exe'); // 'contains a bidirectional or invisible formatting character (U+202E)'
 */
export function textProblem(text: string): string | null {
  const control = CONTROL.exec(text);
  if (control) return `contains a control character (${codePoint(control[0])})`;
  const format = FORMAT.exec(text);
  if (format)
    return `contains a bidirectional or invisible formatting character (${codePoint(format[0])})`;
  return null;
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
