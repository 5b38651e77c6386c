import { decodeJwt } from 'jose';
import type { Redis } from 'ioredis';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { expectDocumented } from '../support/openapi-contract.js';
import { postJwtBearer, type ExchangeAnswer } from '../support/post-exchange.js';
import type { TestBroker } from '../support/test-broker.js';
import { introspect, startRedisBroker } from './redis-broker.js';

const TICKETS = 'https://tickets.example';

/**
 * The RFC 7523 jwt-bearer grant on the real server and Redis: a workload's JWT-SVID as the
 * assertion, the task named with `resource` and `authorization_details`, the same steps as a
 * token exchange. Every subject-token attack is refused through this grant too
 * (test/security/support/expect-refused.ts runs the whole catalogue both ways).
 */
describe('the jwt-bearer grant', () => {
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix);
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const grant = async (fields: Record<string, unknown> = {}): Promise<ExchangeAnswer> => {
    const res = await postJwtBearer(t.url, await t.td.svid({ path: '/agent/triage' }), fields);
    expectDocumented('POST', '/token-exchange', res);
    return res;
  };

  it('issues an access token for the resource and details asked, answered as RFC 6749 says', async () => {
    const res = await grant({
      audience: undefined,
      scope: undefined,
      intent: undefined,
      resource: TICKETS,
      authorization_details: [
        {
          type: 'agent_task',
          actions: ['tickets:read'],
          purpose: 'triage ticket T-1',
          targets: ['T-1'],
        },
      ],
      task_id: 'jwt-bearer-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).not.toHaveProperty('issued_token_type');
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'tickets:read',
      task_id: 'jwt-bearer-1',
      authorization_details: [
        {
          type: 'agent_task',
          locations: [TICKETS],
          actions: ['tickets:read'],
          purpose: 'triage ticket T-1',
          targets: ['T-1'],
          tier: 'read',
          task_id: 'jwt-bearer-1',
        },
      ],
    });
    const token = res.body.access_token as string;
    expect(decodeJwt(token)).toMatchObject({
      aud: TICKETS,
      sub: 'spiffe://test.example/agent/triage',
      jti: res.body.grant_id,
    });
    expect(await introspect(t.url, token)).toMatchObject({ active: true, task_id: 'jwt-bearer-1' });
  });

  it('runs the same policy, grant and task rules as a token exchange', async () => {
    const refused = await grant({ scope: 'tickets:delete' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: 'invalid_scope',
      refused_scopes: ['tickets:delete'],
    });
    const first = await grant({ task_id: 'jwt-bearer-2' });
    expect(first.status).toBe(200);
    const agent = 'spiffe://test.example/agent/triage';
    expect(await t.broker.store.getTask(agent, 'jwt-bearer-2')).toMatchObject({
      status: 'active',
      grantsRecorded: 1,
    });
  });

  it('refuses token-exchange parameters it does not take, by name', async () => {
    for (const name of ['subject_token', 'actor_token', 'requested_token_type']) {
      const res = await grant({ [name]: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toMatch(
        new RegExp(`^${name} is not taken with grant_type`),
      );
    }
  });

  it('refuses a missing assertion, and an assertion that does not verify, as RFC 7523 says', async () => {
    const missing = await postJwtBearer(t.url, '', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'invalid_request',
      error_description: 'assertion is empty',
    });
    const forged = await postJwtBearer(t.url, 'e30.e30.', {});
    expect(forged.status).toBe(400);
    expect(forged.body.error).toBe('invalid_grant');
    expect(forged.body.error_description).toMatch(/^assertion rejected: /);
  });
});
