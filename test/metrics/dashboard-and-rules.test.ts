import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { createMetrics } from '../../src/metrics/metrics.js';
import { registerPendingApprovalsGauge } from '../../src/metrics/pending-approvals-gauge.js';
import { systemClock } from '../../src/platform/clock.js';
import { metricNames } from './promql-names.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8');

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
  panels: Panel[];
}
interface Rules {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

const dashboard = JSON.parse(read('deploy/grafana/mandate.json')) as Dashboard;
const rules = parse(read('deploy/prometheus/mandate-rules.yaml')) as Rules;

/** Every series name a scrape of the broker can hold, histograms with their three suffixes. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = createMetrics();
  registerPendingApprovalsGauge(metrics.registry, {
    countPending: () => Promise.resolve(0),
    clock: systemClock,
  });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    // prom-client types `type` as a numeric enum but reports the text-format name.
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));

describe('metricNames', () => {
  it('finds the selected metrics and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{outcome="granted", job=~"$job"}[$__rate_interval]))) > 1e3 and on (job) b_total offset 5m',
      ),
    ).toEqual(['a_bucket', 'b_total']);
  });
});

describe('the Grafana dashboard and the Prometheus rules', () => {
  it('name only metrics the broker exposes', async () => {
    const exposed = await exposedNames();
    for (const expr of [...panelExprs, ...ruleExprs]) {
      expect(metricNames(expr).length).toBeGreaterThan(0);
      for (const name of metricNames(expr)) expect([name, exposed.has(name)]).toEqual([name, true]);
    }
    for (const variable of dashboard.templating.list)
      for (const [, name] of (variable.definition ?? '').matchAll(/label_values\((\w+)/g))
        expect([name, exposed.has(name!)]).toEqual([name, true]);
  });

  it('cover what an operator watches: exchanges, refusals, latency, loops, revocations, approvals, store', () => {
    const shown = new Set(panelExprs.flatMap(metricNames));
    for (const name of [
      'mandate_exchanges_total',
      'mandate_exchange_duration_seconds_bucket',
      'mandate_loop_trips_total',
      'mandate_revoked_grants_total',
      'mandate_approvals_pending',
      'mandate_store_errors_total',
    ])
      expect([name, shown.has(name)]).toEqual([name, true]);
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    for (const alert of ['MandatePolicyReloadFailed', 'MandateStoreErrors', 'MandateRefusalSpike'])
      expect(alerts).toContain(alert);
  });

  it('take the Prometheus data source from a variable, never a fixed uid', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const used: unknown[] = [];
    JSON.parse(read('deploy/grafana/mandate.json'), (key, value: unknown) => {
      if (key === 'datasource') used.push(value);
      return value;
    });
    expect(used.length).toBeGreaterThan(panelExprs.length);
    for (const ds of used) expect(ds).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });
});
