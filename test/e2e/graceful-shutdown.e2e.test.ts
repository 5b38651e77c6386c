import { OPERATORS_CONFIG, OPERATOR_KEYS, startRedisBroker } from './redis-broker.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { postExchange, type ExchangeAnswer } from '../support/post-exchange.js';
import { openRaw, rawRequest } from '../support/raw-http.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

const IN_FLIGHT = 24;

/** Every exchange's outcome: its status, or the network error that replaced an answer. */
async function settle(answer: Promise<ExchangeAnswer>): Promise<number | string> {
  try {
    return (await answer).status;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(err);
  }
}

// Finding: SIGTERM reset every exchange in flight; their grants were recorded and no token
// reached the agent. Here the exchanges are held in flight by pausing the broker's own Redis
// (CLIENT PAUSE WRITE holds the grant script), so the shutdown surely begins while they run.
describe('a broker shutting down under load', () => {
  let redis: OwnRedis;
  let t: TestBroker;
  beforeAll(async () => {
    redis = await startOwnRedis();
    t = await startTestBroker({
      config: {
        store: { redis_url: redis.url, command_timeout_ms: 30_000 },
        operators: OPERATORS_CONFIG,
        server: { host: '127.0.0.1', port: 0, shutdown_grace: '30s' },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('answers every request it accepted, is not ready meanwhile, ends SSE streams, then stops', async () => {
    expect((await t.exchange()).status).toBe(200);
    // A health check arriving as the shutdown begins: half its request is in, half not yet.
    const prober = await openRaw(t.url);
    const readyz = rawRequest('GET', '/readyz');
    prober.write(readyz.slice(0, 20));
    const stream = await fetch(`${t.url}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${OPERATOR_KEYS.viewer.key}` },
    });
    expect(stream.status).toBe(200);
    const streamText = stream.text();

    let accepted = 0;
    t.running.server.on('request', () => (accepted += 1));
    const svids = await Promise.all(
      Array.from({ length: IN_FLIGHT }, (_, i) => t.td.svid({ path: `/agent/load-${i}` })),
    );
    await redis.client.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const answers = svids.map((svid) => settle(postExchange(t.url, svid)));
    while (accepted < IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, 10));

    const stopped = t.running.shutdown();
    prober.write(readyz.slice(20));
    const draining = await prober.nextResponse();
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.body)).toEqual({ status: 'unavailable', reason: 'shutting down' });
    expect(draining.headers.connection).toBe('close');
    await expect(openRaw(t.url)).rejects.toThrow(/could not connect/);
    // The stream ends as a stream does, not with a reset.
    await expect(streamText).resolves.toEqual(expect.any(String));

    await redis.client.call('CLIENT', 'UNPAUSE');
    expect(await Promise.all(answers)).toEqual(Array(IN_FLIGHT).fill(200));
    expect(await stopped).toEqual({ cut: 0 });
    await prober.closed;
  }, 60_000);
});

describe('a broker whose grace period ends before a request does', () => {
  it('cuts the connections still open, then stops', async () => {
    const t = await startRedisBroker(`grace-${process.pid}`, {
      config: { server: { host: '127.0.0.1', port: 0, shutdown_grace: '1s' } },
    });
    const slow = await openRaw(t.url);
    const arrived = new Promise((resolve) => t.running.server.once('request', resolve));
    slow.write(
      rawRequest(
        'POST',
        '/revoke',
        { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '100' },
        'token=',
      ),
    );
    await arrived;
    expect(await t.running.shutdown()).toEqual({ cut: 1 });
    expect(await slow.closed).toBe('');
  }, 30_000);
});
