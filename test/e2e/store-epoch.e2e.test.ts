import type { Redis } from 'ioredis';
import { createVerifier, type Verifier } from '@mandate/verifier';
import type { Clock } from '../../src/platform/clock.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { eventually, outcome } from '../support/eventually.js';
import type { TestBroker } from '../support/test-broker.js';
import {
  OPERATOR_KEYS,
  call,
  introspect,
  sharedSigningKey,
  startRedisBroker,
} from './redis-broker.js';

const TICKETS = 'https://tickets.example';

// Redis loses the broker's data (restarted without persistence, or flushed: here the keys of the
// broker's own prefix are deleted, the Redis being shared). The broker notices at its next epoch
// check (run here directly rather than waited for), starts a new epoch and publishes it, and a
// verifier following the feed then refuses every token issued before: lost grants fail closed.
describe('a Redis that lost its data fails closed', () => {
  let redis: Redis;
  let a: TestBroker;
  let b: TestBroker;
  let verifier: Verifier;
  const prefix = uniquePrefix();
  // one clock for brokers and verifier, moved by hand: the epoch's second is then exact
  let now = Date.now();
  const clock: Clock = { now: () => now };
  // replicas of one deployment: one prefix, one signing key
  let signing: Record<string, unknown>;
  const startBroker = () => startRedisBroker(prefix, { deps: { clock }, config: { signing } });

  beforeAll(async () => {
    redis = await connectRedis();
    signing = { keys: [{ file: await sharedSigningKey() }] };
    a = await startBroker();
    b = await startBroker();
    verifier = createVerifier({
      issuer: 'http://mandate.test',
      brokerUrl: a.url,
      jwksUri: `${a.url}/.well-known/jwks.json`,
      audience: TICKETS,
      clock,
      revocation: { mode: 'feed', apiKey: OPERATOR_KEYS.resource_server.key, maxStaleness: 30 },
    });
    await verifier.ready();
  });
  afterAll(async () => {
    await verifier.close();
    await a.close();
    await b.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const token = async (broker: TestBroker, task: string) => {
    const res = await broker.exchange({ task_id: task });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };
  const epochEntries = async () =>
    (
      (await call(a.url, 'GET', '/v1/revocations', OPERATOR_KEYS.viewer.key)).body.revocations as {
        kind: string;
      }[]
    ).filter((e) => e.kind === 'epoch');

  it('keeps the epoch while Redis keeps its data, whoever wrote it first', async () => {
    expect(await redis.get(`${prefix}:epoch`)).toMatch(/^[A-Za-z0-9_-]+@0$/);
    expect(await a.broker.storeEpoch!.check()).toBe('kept');
    expect(await b.broker.storeEpoch!.check()).toBe('kept');
    expect(await epochEntries()).toEqual([]);
  });

  it('publishes a new epoch once, and the verifier refuses every token issued before it', async () => {
    const before = await token(a, 'T-before');
    const other = await token(b, 'T-other');
    await verifier.verify(before);
    await verifier.verify(other);

    now += 1000;
    await deleteKeys(redis, prefix);
    const lostAt = now;
    expect(await a.broker.storeEpoch!.check()).toBe('lost');
    expect(await b.broker.storeEpoch!.check()).toBe('adopted');
    expect(await redis.get(`${prefix}:epoch`)).toMatch(new RegExp(`@${lostAt}$`));
    const entries = await epochEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      kind: 'epoch',
      agent: '*',
      at: lostAt,
      until: Math.ceil(lostAt / 1000) + 3600,
      reason: 'the store lost its state',
    });

    for (const lost of [before, other]) {
      await eventually(
        async () => (await outcome(verifier.verify(lost))) === 'ERR_TOKEN_REVOKED',
        'the verifier refusing a token of the lost state',
      );
      await expect(verifier.verify(lost)).rejects.toThrow(/issued before the broker lost/);
      expect(await introspect(a.url, lost)).toEqual({ active: false });
    }
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^mandate_store_epochs_total 1$/m);
  });

  it('mints nothing in the epoch second, then tokens verifiers accept', async () => {
    const refused = await a.exchange({ task_id: 'T-same-second' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('temporarily_unavailable');
    expect(refused.headers.get('retry-after')).toBe('1');

    now += 1000;
    await verifier.verify(await token(a, 'T-after'));
    await verifier.verify(await token(b, 'T-after-b'));
  });

  it('notices the loss even when a broker starting meanwhile wrote a fresh epoch', async () => {
    now += 1000;
    const before = await token(a, 'T-before-restart');
    now += 1000;
    await deleteKeys(redis, prefix);
    const c = await startBroker();
    try {
      // c knew no epoch: it wrote one as at any start, announcing nothing
      expect(await c.broker.storeEpoch!.check()).toBe('kept');
      expect(await a.broker.storeEpoch!.check()).toBe('lost');
      expect(await c.broker.storeEpoch!.check()).toBe('adopted');
      expect(await b.broker.storeEpoch!.check()).toBe('adopted');
      await eventually(
        async () => (await outcome(verifier.verify(before))) === 'ERR_TOKEN_REVOKED',
        'the verifier refusing a token issued before the second loss',
      );
    } finally {
      await c.close();
    }
  });
});
