import { SignJWT, createLocalJWKSet, decodeJwt, generateKeyPair, jwtVerify } from 'jose';
import type { Redis } from 'ioredis';
import { checkFirstToken } from '../../bench/floor/check-token.js';
import {
  floorConfig,
  floorKey,
  startFloorServer,
  type FloorServer,
} from '../../bench/floor/floor-server.js';
import {
  FORM,
  TASK_EXCHANGES,
  TICKETS,
  TaskDealer,
  exchangeBody,
} from '../../bench/floor/requests.js';
import {
  REDIS_URL,
  connectRedis,
  deleteKeys,
  keysOf,
  uniquePrefix,
} from '../grants/redis-support.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';

let td: TestTrustDomain;
let floor: FloorServer;
let redis: Redis;
const prefix = uniquePrefix();

beforeAll(async () => {
  td = await createTestTrustDomain('bench.example');
  redis = await connectRedis();
  floor = await startFloorServer(
    floorConfig({ td, port: 0, redisUrl: REDIS_URL, prefix, workers: 1 }),
    await floorKey(),
  );
});

afterAll(async () => {
  await floor.close();
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

async function postToFloor(
  svid: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${floor.url}/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': FORM },
    body: exchangeBody({ svid, taskId: 'task-1', n: 0 }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the floor server of bench/floor.ts', () => {
  it("answers an agent's SVID with an at+jwt for tickets that its JWKS verifies, and records the grant in Redis", async () => {
    const svid = await td.svid({ path: '/agent/triage/0', expiresIn: 600 });
    const { status, body } = await postToFloor(svid);
    expect(status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(
      body.access_token as string,
      createLocalJWKSet(floor.jwks),
      { algorithms: ['ES256'], audience: TICKETS.audience },
    );
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({
      sub: 'spiffe://bench.example/agent/triage/0',
      scope: 'tickets:read',
      task_id: 'task-1',
    });
    const grantKey = `${prefix}:grant:${payload.jti}`;
    expect(await redis.hgetall(grantKey)).toMatchObject({
      task: 'task-1',
      aud: TICKETS.audience,
      exp: String(payload.exp),
    });
    expect(await redis.pttl(grantKey)).toBeGreaterThan(0);
    expect(
      await redis.zscore(`${prefix}:agent:spiffe://bench.example/agent/triage/0`, payload.jti!),
    ).toBe(String(payload.exp));
  });

  it('refuses an SVID signed by a key outside the bundle, and records nothing for it', async () => {
    const before = (await keysOf(redis, prefix)).length;
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({
      sub: 'spiffe://bench.example/agent/triage/0',
      aud: 'mandate',
    })
      .setProtectedHeader({ alg: 'ES256', kid: td.kid })
      .setExpirationTime('10m')
      .sign(privateKey);
    expect(await postToFloor(forged)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect((await keysOf(redis, prefix)).length).toBe(before);
  });

  it('refuses an SVID for another audience', async () => {
    const svid = await td.svid({ path: '/agent/triage/0', audience: 'someone-else' });
    expect(await postToFloor(svid)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('stops the bench before measuring when a first answer is not a token', async () => {
    const svid = await td.svid({ path: '/agent/triage/0', audience: 'someone-else' });
    await expect(
      checkFirstToken(
        { url: floor.url, kind: 'exchange', jwksPath: '/.well-known/jwks.json' },
        { svid, taskId: 'task-2', n: 0 },
      ),
    ).rejects.toThrow(/answered 400/);
  });
});

describe("the bench's exchanges, sent to the broker", () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  it('are all granted for whole tasks: no policy or loop rule refuses a bench task', async () => {
    const svids = await Promise.all(
      [0, 1].map((i) => broker.td.svid({ path: `/agent/triage/${i}`, expiresIn: 600 })),
    );
    const dealer = new TaskDealer(svids, 'run');
    for (let t = 0; t < 2; t += 1) {
      const task = dealer.next();
      for (let n = 0; n < TASK_EXCHANGES; n += 1) {
        const res = await fetch(`${broker.url}/token-exchange`, {
          method: 'POST',
          headers: { 'content-type': FORM },
          body: exchangeBody({ ...task, n }),
        });
        const body = (await res.json()) as Record<string, unknown>;
        expect({ n, status: res.status, task: body.task_id }).toEqual({
          n,
          status: 200,
          task: task.taskId,
        });
        const claims = decodeJwt(body.access_token as string);
        expect(claims.scope).toBe(n % 3 === 2 ? 'tickets:read tickets:write' : 'tickets:read');
      }
    }
  });

  it('get a first token the bench verifies', async () => {
    const svid = await broker.td.svid({ path: '/agent/triage/0', expiresIn: 600 });
    const claims = await checkFirstToken(
      { url: broker.url, kind: 'exchange', jwksPath: '/.well-known/jwks.json' },
      { svid, taskId: 'first', n: 0 },
    );
    expect(claims).toMatchObject({
      sub: 'spiffe://test.example/agent/triage/0',
      aud: TICKETS.audience,
    });
  });
});
