import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The broker's metrics, on a registry of its own (never the global one). */
export interface Metrics {
  readonly registry: Registry;
  readonly exchanges: Counter<'outcome'>;
  readonly exchangeSeconds: Histogram<'outcome'>;
  readonly loopTrips: Counter<'rule'>;
  readonly policyReloads: Counter<'outcome'>;
  readonly approvals: Counter<'event'>;
  /** Subject-token verifications by source (spiffe, oidc, unknown) and outcome. */
  readonly subjectVerifications: Counter<'source' | 'outcome'>;
  /** Failed fetches or reads of trust key sets (bundle file, bundle endpoint, OIDC JWKS). */
  readonly keySetRefreshFailures: Counter<'source' | 'authority'>;
}

/** Creates the metrics registry with process metrics and the broker's own. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mandate_' });
  return {
    registry,
    exchanges: new Counter({
      name: 'mandate_exchanges_total',
      help: 'Token exchanges by outcome (granted or the error code).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    exchangeSeconds: new Histogram({
      name: 'mandate_exchange_duration_seconds',
      help: 'Time to answer a token exchange, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    loopTrips: new Counter({
      name: 'mandate_loop_trips_total',
      help: 'Tasks halted by a loop rule, by rule.',
      labelNames: ['rule'],
      registers: [registry],
    }),
    policyReloads: new Counter({
      name: 'mandate_policy_reloads_total',
      help: 'Policy set reloads by outcome (ok, or failed: the previous set kept serving).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    approvals: new Counter({
      name: 'mandate_approvals_total',
      help: 'Approval events: requested, approved, denied, consumed.',
      labelNames: ['event'],
      registers: [registry],
    }),
    subjectVerifications: new Counter({
      name: 'mandate_subject_verifications_total',
      help: 'Subject-token verifications by source and outcome (verified or the refusal class).',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    keySetRefreshFailures: new Counter({
      name: 'mandate_key_set_refresh_failures_total',
      help: 'Failed refreshes of trusted keys, by source kind and configured authority.',
      labelNames: ['source', 'authority'],
      registers: [registry],
    }),
  };
}
