import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import type { Redis } from 'ioredis';
import { PENDING_APPROVALS_REFRESH_MS } from '../../src/metrics/pending-approvals-gauge.js';
import { startRedisBroker } from '../e2e/redis-broker.js';
import { testClock, type TestClock } from '../grants/grant-store.contract.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { postExchange } from '../support/post-exchange.js';
import type { TestBroker } from '../support/test-broker.js';
import { TRAFFIC, TRAFFIC_CONFIG, driveTraffic } from './drive-traffic.js';
import { cacheCounts, scrape, type Scrape } from './exposition.js';

describe('/metrics after real traffic', () => {
  let t: TestBroker;
  let redis: Redis;
  let clock: TestClock;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    clock = testClock();
    t = await startRedisBroker(prefix, { config: TRAFFIC_CONFIG, deps: { clock } });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('counts exchanges by outcome, grants revoked by source and approvals asked', async () => {
    const before = await scrape(t.url);
    expect(before.value('mandate_approvals_pending')).toBe(0);
    await driveTraffic(t, () => Math.floor(clock.now() / 1000));

    const m = await scrape(t.url);
    expect(m.value('mandate_exchanges_total', { outcome: 'granted' })).toBe(TRAFFIC.granted);
    for (const [outcome, count] of Object.entries(TRAFFIC.refused))
      expect([outcome, m.value('mandate_exchanges_total', { outcome })]).toEqual([outcome, count]);
    const refused = Object.values(TRAFFIC.refused).reduce((a, b) => a + b, 0);
    expect(m.value('mandate_exchange_duration_seconds_count', { outcome: 'granted' })).toBe(
      TRAFFIC.granted,
    );
    expect(m.value('mandate_exchange_duration_seconds_count', { outcome: 'refused' })).toBe(
      refused,
    );
    for (const [source, count] of Object.entries(TRAFFIC.revokedGrants))
      expect([source, m.value('mandate_revoked_grants_total', { source })]).toEqual([
        source,
        count,
      ]);
    expect(m.value('mandate_revoked_grants_total', { source: 'loop_rule' })).toBe(0);
    expect(m.value('mandate_approvals_total', { event: 'requested' })).toBe(
      TRAFFIC.approvalsRequested,
    );
    expect(m.value('mandate_store_errors_total', { store: 'grants' })).toBe(0);
  });

  it('reads pending approvals from the store at most once per refresh period', async () => {
    // The last scrape read the store before the approval was asked; its reading still serves.
    expect((await scrape(t.url)).value('mandate_approvals_pending')).toBe(0);
    clock.advance(PENDING_APPROVALS_REFRESH_MS);
    expect((await scrape(t.url)).value('mandate_approvals_pending')).toBe(1);
  });

  it('counts the caches of two identical exchanges: each a miss the first time, a hit the second', async () => {
    const token = await t.td.svid({ path: '/agent/cached', now: Math.floor(clock.now() / 1000) });
    const counts = (m: Scrape) => ({
      subject_token: cacheCounts(m, 'subject_token'),
      policy_decision: cacheCounts(m, 'policy_decision'),
    });
    const before = counts(await scrape(t.url));
    expect((await postExchange(t.url, token)).status).toBe(200);
    const first = counts(await scrape(t.url));
    expect((await postExchange(t.url, token)).status).toBe(200);
    const second = counts(await scrape(t.url));

    const added = (from: typeof before, to: typeof before) =>
      Object.fromEntries(
        (['subject_token', 'policy_decision'] as const).map((cache) => [
          cache,
          {
            hit: to[cache].hit! - from[cache].hit!,
            miss: to[cache].miss! - from[cache].miss!,
            evicted: to[cache].evicted! - from[cache].evicted!,
          },
        ]),
      );
    expect(added(before, first)).toEqual({
      subject_token: { hit: 0, miss: 1, evicted: 0 },
      policy_decision: { hit: 0, miss: 1, evicted: 0 },
    });
    expect(added(first, second)).toEqual({
      subject_token: { hit: 1, miss: 0, evicted: 0 },
      policy_decision: { hit: 1, miss: 0, evicted: 0 },
    });
  });
});

describe('/metrics when Redis does not answer', () => {
  let t: TestBroker;
  beforeAll(async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    t = await startRedisBroker('unreachable', {
      redisUrl: url,
      config: { ...TRAFFIC_CONFIG, store: { redis_url: url, connect_timeout_ms: 200 } },
    });
  });
  afterAll(() => t.close());

  it('counts the failed store calls of each store', async () => {
    expect((await t.exchange()).status).toBe(503);
    const asked = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/deploy' }),
      audience: 'deploy',
      scope: 'deploy:destroy-env',
      intent: { purpose: 'remove preview env', targets: ['preview-42'] },
      approval_id: 'apr_presented', // read from the approval store first
    });
    expect(asked.status).toBe(503);
    const m = await scrape(t.url);
    expect(m.value('mandate_store_errors_total', { store: 'grants' })).toBe(1);
    expect(m.value('mandate_store_errors_total', { store: 'approvals' })).toBeGreaterThanOrEqual(1);
    expect(m.value('mandate_exchanges_total', { outcome: 'temporarily_unavailable' })).toBe(2);
  });
});

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
