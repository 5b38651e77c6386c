import type { Redis } from 'ioredis';
import { runDelegatedHop } from '../../examples/agent/delegated-hop.js';
import { startTicketsApi, type RunningApi } from '../../examples/downstream-api/server.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import type { TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, startRedisBroker } from './redis-broker.js';

// The demo's delegated hop (`npm run demo`) against the real server, Redis and the tickets API
// with its feed-mode verifier: what the demo prints is what happened.
describe('the demo: one delegated hop and its revocation', () => {
  let t: TestBroker;
  let api: RunningApi;
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix);
    api = await startTicketsApi({
      issuer: 'http://mandate.test',
      brokerUrl: t.url,
      apiKey: OPERATOR_KEYS.resource_server.key,
    });
  });
  afterAll(async () => {
    await api.close();
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it("the API accepts the summarizer's token, then refuses it once the research task is revoked", async () => {
    const lines: string[] = [];
    const result = await runDelegatedHop({
      brokerUrl: t.url,
      apiUrl: api.url,
      operatorKey: OPERATOR_KEYS.revoker.key,
      trustDomain: `spiffe://${t.td.trustDomain}`,
      svid: (sub) => t.td.svid({ sub }),
      say: (who, line) => lines.push(`[${who}] ${line}`),
    });
    expect(result).toEqual({ acceptedDelegated: true, refusedAfterRevoke: true });
    const research = 'spiffe://test.example/agent/research/web';
    const summarizer = 'spiffe://test.example/agent/summarizer';
    expect(lines).toEqual([
      expect.stringMatching(/^\[research\] 1\. identity and exchange: /),
      expect.stringContaining(`may_act {"sub":["${summarizer}"]}`),
      expect.stringMatching(/^\[summarizer\] 2\. delegated exchange: /),
      expect.stringContaining(
        `sub ${research}, client_id ${summarizer}, act {"sub":"${summarizer}"}, lineage of 1 grant`,
      ),
      expect.stringMatching(
        /^\[summarizer\] 3\. GET \/tickets\/T-1 -> 200 .*"read_by":"spiffe:\/\/test\.example\/agent\/summarizer"/,
      ),
      expect.stringMatching(/^\[operator\] 4\. revoke the research agent's task: .* -> 200$/),
      expect.stringMatching(
        /^\[summarizer\] 5\. GET \/tickets\/T-1 with the summarizer's token -> 401 .*delegation chain was revoked/,
      ),
    ]);
  });
});
