/** How the floor benchmark prints its runs, their medians and the ratios between servers. */
import type { Run } from './measure.js';

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The medians of one server over its runs that count. */
export interface Summary {
  readonly counted: number;
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly serverMicros: number;
  readonly redisMicros: number;
  readonly clientMicros: number;
}

/** Medians over the runs that did not fail. */
export function summarize(runs: readonly Run[]): Summary {
  const ok = runs.filter((r) => r.failed === undefined);
  const of = (pick: (r: Run) => number) => median(ok.map(pick));
  return {
    counted: ok.length,
    rate: of((r) => r.rate),
    p50: of((r) => r.load.p50),
    p99: of((r) => r.load.p99),
    serverMicros: of((r) => r.serverMicros),
    redisMicros: of((r) => r.redisMicros),
    clientMicros: of((r) => r.clientMicros),
  };
}

const NAME_WIDTH = 16;

function fixed(value: number, digits: number, width: number): string {
  return (Number.isFinite(value) ? value.toFixed(digits) : '-').padStart(width);
}

function statuses(run: Run): string {
  const parts = Object.entries(run.load.statuses).map(([status, n]) => `${status}: ${n}`);
  if (run.load.errors > 0) parts.push(`no answer: ${run.load.errors}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

/** One line for one run. `redis` false: the server uses no Redis, its column shows `-`. */
export function runLine(label: string, name: string, run: Run, redis: boolean): string {
  const head = `${label} ${name.padEnd(NAME_WIDTH)}`;
  if (run.failed !== undefined)
    return `${head} FAILED (${run.failed}; ${run.load.ok} ok of ${run.load.responses} answers; errors ${statuses(run)})`;
  return [
    head,
    `${fixed(run.rate, 0, 6)} /s`,
    `p50 ${fixed(run.load.p50, 1, 6)} ms`,
    `p99 ${fixed(run.load.p99, 1, 6)} ms`,
    `cpu ${fixed(run.serverMicros, 0, 5)} µs`,
    `redis ${redis ? fixed(run.redisMicros, 0, 4) : '   -'} µs`,
    `client ${fixed(run.clientMicros, 0, 4)} µs`,
    `errors ${statuses(run)}`,
  ].join('  ');
}

/** One line of the medians of a server. */
export function summaryLine(name: string, s: Summary, rounds: number, redis: boolean): string {
  if (s.counted === 0) return `median ${name.padEnd(NAME_WIDTH)} FAILED (every run failed)`;
  return [
    `median ${name.padEnd(NAME_WIDTH)}`,
    `${fixed(s.rate, 0, 6)} /s`,
    `p50 ${fixed(s.p50, 1, 6)} ms`,
    `p99 ${fixed(s.p99, 1, 6)} ms`,
    `cpu ${fixed(s.serverMicros, 0, 5)} µs`,
    `redis ${redis ? fixed(s.redisMicros, 0, 4) : '   -'} µs`,
    `client ${fixed(s.clientMicros, 0, 4)} µs`,
    s.counted < rounds ? `(${s.counted} of ${rounds} runs counted)` : '',
  ].join('  ');
}

/** `a / b` to two places, or `-` when either is missing. */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : '-';
}
