/** One sample line of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** A scrape, parsed: HELP and TYPE by metric family, and every sample. */
export interface Scrape {
  readonly help: Map<string, string>;
  readonly type: Map<string, string>;
  readonly samples: Sample[];
  /** The value of the sample with exactly these labels, or undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

/** Parses the text a `/metrics` scrape returns (enough of the format for prom-client's output). */
export function parseExposition(text: string): Scrape {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? help : type).set(meta[2]!, meta[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[k!] = v!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length &&
    Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    help,
    type,
    samples,
    value: (name, labels = {}) =>
      samples.find((s) => s.name === name && same(s.labels, labels))?.value,
  };
}

/** Scrapes `GET /metrics` of the broker at `url`. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** A cache's lookups by result and its evictions, as a scrape shows them. */
export function cacheCounts(
  m: Scrape,
  cache: 'policy_decision' | 'subject_token',
): { hit: number | undefined; miss: number | undefined; evicted: number | undefined } {
  return {
    hit: m.value('mandate_cache_lookups_total', { cache, result: 'hit' }),
    miss: m.value('mandate_cache_lookups_total', { cache, result: 'miss' }),
    evicted: m.value('mandate_cache_evictions_total', { cache }),
  };
}

/** The text format of a registry, parsed, as `/metrics` would serve it. */
export async function scrapeRegistry(registry: { metrics(): Promise<string> }): Promise<Scrape> {
  return parseExposition(await registry.metrics());
}
