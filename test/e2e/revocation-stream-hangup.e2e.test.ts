import type { Redis } from 'ioredis';
import type { GrantStore } from '../../src/grants/grant-store.js';
import { systemClock } from '../../src/platform/clock.js';
import { connectRedis, deleteKeys, redisStore, uniquePrefix } from '../grants/redis-support.js';
import { eventually } from '../support/eventually.js';
import { openRaw, rawRequest } from '../support/raw-http.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS } from './redis-broker.js';

/**
 * The real Redis store, whose feed watches wait for the test to let each one through, and
 * which counts the watches still live: the fan-out the SSE route leaves behind.
 */
function watchedStore(store: GrantStore) {
  const waiting: (() => void)[] = [];
  const state = { arrived: 0, live: 0, holding: true };
  const port = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'watchRevocations') return value.bind(target) as unknown;
      return async (...args: Parameters<GrantStore['watchRevocations']>) => {
        state.arrived += 1;
        if (state.holding) await new Promise<void>((resolve) => waiting.push(resolve));
        const unwatch = await target.watchRevocations(...args);
        state.live += 1;
        return () => {
          state.live -= 1;
          unwatch();
        };
      };
    },
  });
  return {
    port,
    state,
    /** Lets the oldest waiting watch through. */
    releaseOne: () => waiting.shift()?.(),
  };
}

const HANGUPS = 20;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

// Finding: a subscriber that hung up while the stream was being set up left its listener in
// the feed's fan-out and its heartbeat timer running, forever.
describe('a revocation stream subscriber that hangs up before the stream is set up', () => {
  let t: TestBroker;
  let redis: Redis;
  let watched: ReturnType<typeof watchedStore>;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    watched = watchedStore(redisStore(redis, prefix, systemClock, 3_600_000));
    t = await startTestBroker({
      config: { operators: OPERATORS_CONFIG },
      deps: { store: watched.port },
    });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const openConnections = () =>
    new Promise<number>((resolve, reject) =>
      t.running.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );

  it('leaves no listener and no heartbeat behind, however many do', async () => {
    const before = timers();
    for (let i = 1; i <= HANGUPS; i += 1) {
      const client = await openRaw(t.url);
      client.write(
        rawRequest('GET', '/v1/revocations/stream', {
          Authorization: `Bearer ${OPERATOR_KEYS.viewer.key}`,
        }),
      );
      await eventually(() => watched.state.arrived === i, 'the stream asking for its watch');
      client.destroy();
      await eventually(async () => (await openConnections()) === 0, 'the broker seeing it go');
      watched.releaseOne();
    }
    await eventually(() => watched.state.live === 0, 'every watch of a gone subscriber ended');
    expect(watched.state.live).toBe(0);
    // A leaked heartbeat is one timer per hang-up; the process's other timers (Redis command
    // timeouts, sockets) come and go by a few.
    expect(timers() - before).toBeLessThan(HANGUPS / 2);

    // A subscriber that stays gets its stream, and leaves nothing when it goes.
    watched.state.holding = false;
    const abort = new AbortController();
    const res = await fetch(`${t.url}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${OPERATOR_KEYS.viewer.key}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(watched.state.live).toBe(1);
    abort.abort();
    await eventually(() => watched.state.live === 0, 'the watch of a subscriber that left ended');
  });
});
