const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration such as `90s`, `5m`, `1h` or a bare number of seconds into seconds.
 * Returns undefined for anything else.
 *
 * @example
 * parseDuration('5m'); // 300
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^(\d{1,9})(s|m|h|d)?$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2] ?? 's']!;
  return seconds > 0 ? seconds : undefined;
}
