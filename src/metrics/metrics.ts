import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LoopRule } from '../grants/loop-rules.js';
import type { RefusalClass } from '../identity/subject-refusal.js';
import type { SubjectSource } from '../identity/verify-subject-token.js';
import type { AuditSinkKind } from '../audit/audit-sink.js';
import {
  APPROVAL_METRIC_EVENTS,
  AWS_REVOCATION_OUTCOMES,
  AUDIT_SINK_KINDS,
  EXCHANGE_OUTCOMES,
  EXCHANGE_RESULTS,
  LOOP_RULES,
  RELOAD_OUTCOMES,
  REVOCATION_SOURCES,
  STORES,
  SUBJECT_OUTCOMES,
  SUBJECT_SOURCES,
  TXN_TOKEN_OUTCOMES,
  type ApprovalMetricEvent,
  type TxnTokenOutcome,
  type ExchangeOutcome,
} from './label-values.js';
import { labelledCounter, type LabelledCounter } from './labelled-counter.js';
import { registerCacheCounters, type CacheObservers } from './cache-counters.js';

/** Where a revocation came from, as `mandate_revoked_grants_total{source}`. */
export type RevocationSource = (typeof REVOCATION_SOURCES)[number];
/** A store whose Redis failures are counted. */
export type StoreName = (typeof STORES)[number];

/** The broker's metrics, on a registry of its own (never the global one). */
export interface Metrics {
  readonly registry: Registry;
  readonly exchanges: LabelledCounter<{ outcome: ExchangeOutcome }>;
  readonly exchangeSeconds: {
    observe(labels: { outcome: (typeof EXCHANGE_RESULTS)[number] }, seconds: number): void;
  };
  readonly loopTrips: LabelledCounter<{ rule: LoopRule }>;
  /** Transaction-token requests by outcome: issued, or the code of the refusal. */
  readonly txnTokens: LabelledCounter<{ outcome: TxnTokenOutcome }>;
  readonly policyReloads: LabelledCounter<{ outcome: (typeof RELOAD_OUTCOMES)[number] }>;
  readonly approvals: LabelledCounter<{ event: ApprovalMetricEvent }>;
  /** Live grants revoked, by who revoked them. */
  readonly revokedGrants: LabelledCounter<{ source: RevocationSource }>;
  /** Store calls that failed on Redis (answered 503 `temporarily_unavailable`). */
  readonly storeErrors: LabelledCounter<{ store: StoreName }>;
  /** Audit records a sink failed to write, by sink kind. */
  readonly auditWriteFailures: LabelledCounter<{ sink: AuditSinkKind }>;
  /** Times this broker found Redis had lost its data and started a new store epoch. */
  readonly storeEpochs: LabelledCounter<Record<never, string>>;
  /** Subject-token verifications by source (spiffe, oidc, unknown) and outcome. */
  readonly subjectVerifications: LabelledCounter<{
    source: SubjectSource;
    outcome: 'verified' | RefusalClass | 'error';
  }>;
  /**
   * Failed fetches or reads of trust key sets (bundle file, bundle endpoint, OIDC JWKS); the
   * authorities come from config, so their zero series start where the sources are built.
   */
  readonly keySetRefreshFailures: LabelledCounter<{ source: string; authority: string }>;
  /** Role policy changes of the AWS deny-policy revoker, and its failed attempts (retried). */
  readonly awsRevocations: LabelledCounter<{
    outcome: (typeof AWS_REVOCATION_OUTCOMES)[number];
  }>;
  /**
   * What each cache on the exchange's path reports, counted in `mandate_cache_lookups_total`
   * and `mandate_cache_evictions_total`: handed to the caches where they are built.
   */
  readonly caches: CacheObservers;
}

/**
 * Node's default gauges that end in `_total` though they are not counters: Prometheus naming
 * (and `promtool check metrics`) refuses them. Each has a per-type twin without the suffix
 * (`nodejs_active_handles{type}`), whose `sum()` is the same number.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Exchange latency buckets, seconds: an exchange takes about 1-10 ms (docs/operations.md), so
 * the buckets are dense there; the top ones catch a slow Redis (its command timeout).
 */
const EXCHANGE_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/**
 * Creates the metrics registry: Node's default metrics under their standard names (so stock
 * Node dashboards work) and the broker's own under `mandate_`, every labelled counter started
 * at zero for each value its label can take.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);

  const exchangeSeconds = new Histogram({
    name: 'mandate_exchange_duration_seconds',
    help: 'Time to answer a token exchange, granted or refused.',
    labelNames: ['outcome'],
    buckets: EXCHANGE_BUCKETS,
    registers: [registry],
  });
  for (const outcome of EXCHANGE_RESULTS) exchangeSeconds.zero({ outcome });

  return {
    registry,
    exchangeSeconds,
    exchanges: labelledCounter(registry, {
      name: 'mandate_exchanges_total',
      help: 'Token exchanges by outcome: granted, or the error code of the refusal.',
      labels: { outcome: EXCHANGE_OUTCOMES },
    }),
    txnTokens: labelledCounter(registry, {
      name: 'mandate_txn_tokens_total',
      help: 'Transaction-token requests by outcome: issued, or the error code of the refusal.',
      labels: { outcome: TXN_TOKEN_OUTCOMES },
    }),
    loopTrips: labelledCounter(registry, {
      name: 'mandate_loop_trips_total',
      help: 'Tasks halted by a loop rule, by rule.',
      labels: { rule: LOOP_RULES },
    }),
    policyReloads: labelledCounter(registry, {
      name: 'mandate_policy_reloads_total',
      help: 'Policy set reloads by outcome (ok, or failed: the previous set kept serving).',
      labels: { outcome: RELOAD_OUTCOMES },
    }),
    approvals: labelledCounter(registry, {
      name: 'mandate_approvals_total',
      help: 'Approval events: requested, approved, denied, consumed.',
      labels: { event: APPROVAL_METRIC_EVENTS },
    }),
    revokedGrants: labelledCounter(registry, {
      name: 'mandate_revoked_grants_total',
      help: 'Live grants revoked, by source: agent, task_completed, operator, loop_rule.',
      labels: { source: REVOCATION_SOURCES },
    }),
    storeErrors: labelledCounter(registry, {
      name: 'mandate_store_errors_total',
      help: 'Store calls that failed on Redis and were answered 503, by store.',
      labels: { store: STORES },
    }),
    auditWriteFailures: labelledCounter(registry, {
      name: 'mandate_audit_write_failures_total',
      help: 'Audit records a sink failed to write, by sink (file, stdout, redis).',
      labels: { sink: AUDIT_SINK_KINDS },
    }),
    storeEpochs: labelledCounter(registry, {
      name: 'mandate_store_epochs_total',
      help: 'Times this broker found Redis had lost its data and started a new store epoch, revoking every earlier token on the feed.',
      labels: {},
    }),
    subjectVerifications: labelledCounter(registry, {
      name: 'mandate_subject_verifications_total',
      help: 'Subject-token verifications by source and outcome (verified or the refusal class).',
      labels: { source: SUBJECT_SOURCES, outcome: SUBJECT_OUTCOMES },
    }),
    keySetRefreshFailures: labelledCounter(registry, {
      name: 'mandate_key_set_refresh_failures_total',
      help: 'Failed refreshes of trusted keys, by source kind and configured authority.',
      labels: { source: [], authority: [] },
    }),
    awsRevocations: labelledCounter(registry, {
      name: 'mandate_aws_revocations_total',
      help: 'AWS deny-policy changes by outcome (denied, folded, pruned) and failed attempts, which are retried.',
      labels: { outcome: AWS_REVOCATION_OUTCOMES },
    }),
    caches: registerCacheCounters(registry),
  };
}
