import { Counter, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/** Label names to the union of values each may take. */
export type LabelSet = Record<string, string>;

/**
 * A counter whose label values are checked against their unions at compile time, so a call
 * site cannot invent a value that was not started at zero.
 */
export interface LabelledCounter<L extends LabelSet> {
  inc(labels: L, value?: number): void;
  /** The current series, as prom-client reports them. */
  get(): Promise<MetricObjectWithValues<MetricValue<Extract<keyof L, string>>>>;
}

/** The values each label may take; a counter gets one zero series per combination. */
export type LabelValuesOf<L extends LabelSet> = { readonly [K in keyof L]: readonly L[K][] };

/**
 * Registers a counter and starts every combination of its label values at 0, so the series
 * exist from the first scrape.
 *
 * @example
 * labelledCounter(registry, { name: 'mandate_x_total', help: '...', labels: { rule: LOOP_RULES } });
 */
export function labelledCounter<L extends LabelSet>(
  registry: Registry,
  spec: { name: string; help: string; labels: LabelValuesOf<L> },
): LabelledCounter<L> {
  const counter = new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: Object.keys(spec.labels),
    registers: [registry],
  });
  for (const labels of combinations(spec.labels)) counter.inc(labels, 0);
  return counter;
}

/** Every combination of the label values: `{a: [1, 2], b: [3]}` gives `{a: 1, b: 3}, {a: 2, b: 3}`. */
export function combinations<L extends LabelSet>(values: LabelValuesOf<L>): L[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, options] of Object.entries(values) as [string, readonly string[]][])
    out = out.flatMap((partial) => options.map((value) => ({ ...partial, [name]: value })));
  return out as L[];
}
