import type { Redis } from 'ioredis';
import { ERROR_CODES } from '../../src/errors.js';
import { LOOP_RULES } from '../../src/grants/loop-rules.js';
import { REFUSAL_CLASSES } from '../../src/identity/subject-refusal.js';
import {
  APPROVAL_METRIC_EVENTS,
  AWS_REVOCATION_OUTCOMES,
  EXCHANGE_OUTCOMES,
  REVOCATION_SOURCES,
  STORES,
  TXN_TOKEN_OUTCOMES,
} from '../../src/metrics/label-values.js';
import { startRedisBroker } from '../e2e/redis-broker.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import type { TestBroker } from '../support/test-broker.js';
import { scrape, type Scrape } from './exposition.js';

describe('/metrics of a broker that has served nothing yet', () => {
  let t: TestBroker;
  let redis: Redis;
  let m: Scrape;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix);
    m = await scrape(t.url);
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it("names Node's default metrics as stock Node dashboards expect, without the mandate_ prefix", () => {
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_size_total_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_active_handles',
      'nodejs_version_info',
    ])
      expect(m.type.has(name)).toBe(true);
    expect([...m.type.keys()].filter((n) => /^mandate_(nodejs|process)_/.test(n))).toEqual([]);
  });

  it('follows Prometheus naming: counters end in _total, nothing else does, all carry help', () => {
    for (const [name, type] of m.type) {
      expect([name, name.endsWith('_total')]).toEqual([name, type === 'counter']);
      expect([name, (m.help.get(name) ?? '').length > 10]).toEqual([name, true]);
    }
  });

  it('starts every exchange outcome at zero, every code an exchange can answer included', () => {
    for (const code of ['temporarily_unavailable', 'task_halted', 'approval_required'])
      expect(EXCHANGE_OUTCOMES).toContain(code);
    expect(EXCHANGE_OUTCOMES.length).toBeGreaterThan(ERROR_CODES.length / 2);
    for (const outcome of EXCHANGE_OUTCOMES)
      expect([outcome, m.value('mandate_exchanges_total', { outcome })]).toEqual([outcome, 0]);
    for (const outcome of ['granted', 'refused']) {
      expect(m.value('mandate_exchange_duration_seconds_count', { outcome })).toBe(0);
      expect(m.value('mandate_exchange_duration_seconds_bucket', { outcome, le: '0.005' })).toBe(0);
    }
  });

  it('starts loop trips, reloads, approvals, revocations and store errors at zero', () => {
    const zero = (name: string, label: string, values: readonly string[]) => {
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect([v, m.value(name, { [label]: v })]).toEqual([v, 0]);
    };
    zero('mandate_loop_trips_total', 'rule', LOOP_RULES);
    zero('mandate_policy_reloads_total', 'outcome', ['ok', 'failed']);
    zero('mandate_approvals_total', 'event', APPROVAL_METRIC_EVENTS);
    zero('mandate_revoked_grants_total', 'source', REVOCATION_SOURCES);
    zero('mandate_store_errors_total', 'store', STORES);
    zero('mandate_txn_tokens_total', 'outcome', TXN_TOKEN_OUTCOMES);
    zero('mandate_aws_revocations_total', 'outcome', AWS_REVOCATION_OUTCOMES);
    expect(m.value('mandate_store_epochs_total')).toBe(0);
    expect(m.value('mandate_approvals_pending')).toBe(0);
  });

  it('starts subject refusals and key refreshes of the configured trust domain at zero', () => {
    for (const outcome of ['verified', ...REFUSAL_CLASSES])
      expect(m.value('mandate_subject_verifications_total', { source: 'spiffe', outcome })).toBe(0);
    expect(
      m.value('mandate_key_set_refresh_failures_total', {
        source: 'spiffe_bundle_file',
        authority: t.td.trustDomain,
      }),
    ).toBe(0);
  });
});
