import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The broker's metrics, on a registry of its own (never the global one). */
export interface Metrics {
  readonly registry: Registry;
  readonly exchanges: Counter<'outcome'>;
  readonly exchangeSeconds: Histogram<'outcome'>;
  readonly loopTrips: Counter<'rule'>;
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
  };
}
