import type { Redis } from 'ioredis';
import { generateApiKey } from '../../src/operators/api-keys.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { eventually } from '../support/eventually.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS, call, startRedisBroker } from './redis-broker.js';
import { openStream } from './sse-client.js';

const AGENT = 'spiffe://test.example/agent/triage';
const Q = `agent=${encodeURIComponent(AGENT)}`;
const TICKETS = 'https://tickets.example';
const PAYROLL = 'https://payroll.example';

/** A resource_server key limited to the tickets API's tokens. */
const TICKETS_KEY = generateApiKey();

// A resource server's key may be limited to its own audiences: it introspects only their tokens
// and hears only their grant revocations (and every agent-, task- and store-wide entry).
describe.each(['memory', 'redis'] as const)(
  'a resource_server key limited to audiences (%s)',
  (store) => {
    let t: TestBroker;
    let redis: Redis | undefined;
    const prefix = uniquePrefix();

    beforeAll(async () => {
      const options = {
        policies: { 'all.cedar': '@id("all")\npermit (principal, action, resource);\n' },
        config: {
          operators: {
            api_keys: [
              ...OPERATORS_CONFIG.api_keys,
              {
                name: 'tickets-api',
                sha256: TICKETS_KEY.sha256,
                roles: ['resource_server'],
                audiences: [TICKETS],
              },
            ],
          },
          loops: { max_identical: 2 },
        },
      };
      if (store === 'redis') {
        redis = await connectRedis();
        t = await startRedisBroker(prefix, options);
      } else t = await startTestBroker(options);
    });
    afterAll(async () => {
      await t.close();
      if (redis) {
        await deleteKeys(redis, prefix);
        redis.disconnect();
      }
    });

    let n = 0;
    const exchange = async (audience: 'tickets' | 'payroll', task = `T-${store}-${n++}`) => {
      const res = await t.exchange({
        audience,
        scope: `${audience}:read`,
        task_id: task,
        intent: { purpose: `read ${task}`, targets: [`${n++}`] },
      });
      expect(res.status).toBe(200);
      return res.body as { access_token: string; task_id: string; grant_id: string };
    };
    const introspect = async (key: string, token: string) =>
      (await call(t.url, 'POST', '/introspect', key, { token })).body;
    const cursor = async () =>
      (await call(t.url, 'GET', '/v1/revocations', OPERATOR_KEYS.viewer.key)).body.cursor as string;
    const feed = async (key: string, since: string) =>
      (await call(t.url, 'GET', `/v1/revocations?since=${since}`, key)).body as {
        revocations: Record<string, unknown>[];
        cursor: string;
      };
    const revokeGrant = async (jti: string) => {
      const res = await call(
        t.url,
        'POST',
        `/v1/grants/${jti}/revoke?${Q}`,
        OPERATOR_KEYS.revoker.key,
      );
      expect(res.status).toBe(200);
    };

    it('introspects tokens of its audiences and answers active: false for any other', async () => {
      const tickets = await exchange('tickets');
      const payroll = await exchange('payroll');
      expect(await introspect(TICKETS_KEY.key, tickets.access_token)).toMatchObject({
        active: true,
        aud: TICKETS,
      });
      expect(await introspect(TICKETS_KEY.key, payroll.access_token)).toEqual({ active: false });
      // an unlimited resource_server key still sees both
      expect(
        await introspect(OPERATOR_KEYS.resource_server.key, payroll.access_token),
      ).toMatchObject({ active: true, aud: PAYROLL });
    });

    it('pages the feed filtered to its audiences, keeping task- and agent-wide entries', async () => {
      const since = await cursor();
      const tickets = await exchange('tickets');
      const payroll = await exchange('payroll');
      await revokeGrant(payroll.grant_id);
      await revokeGrant(tickets.grant_id);
      const task = await exchange('payroll');
      const ended = await call(
        t.url,
        'POST',
        `/v1/tasks/${task.task_id}/revoke?${Q}`,
        OPERATOR_KEYS.revoker.key,
      );
      expect(ended.status).toBe(200);

      const all = await feed(OPERATOR_KEYS.resource_server.key, since);
      expect(all.revocations).toEqual([
        expect.objectContaining({ kind: 'grant', jti: payroll.grant_id, aud: PAYROLL }),
        expect.objectContaining({ kind: 'grant', jti: tickets.grant_id, aud: TICKETS }),
        expect.objectContaining({ kind: 'task', task: task.task_id }),
      ]);
      const mine = await feed(TICKETS_KEY.key, since);
      expect(mine.revocations).toEqual([all.revocations[1], all.revocations[2]]);
      expect(mine.cursor).toBe(all.cursor);

      // a page the filter empties still moves the cursor past what it left out
      const hidden = await exchange('payroll');
      await revokeGrant(hidden.grant_id);
      const after = await feed(TICKETS_KEY.key, mine.cursor);
      expect(after.revocations).toEqual([]);
      expect(after.cursor).not.toBe(mine.cursor);
    });

    it('writes the audience of each grant a loop trip revokes, and filters those too', async () => {
      const since = await cursor();
      const task = `T-loop-${store}`;
      const same = {
        scope: 'payroll:read',
        task_id: task,
        intent: { purpose: 'loop', targets: ['x'] },
      };
      for (let i = 0; i < 2; i++)
        expect((await t.exchange({ audience: 'payroll', ...same })).status).toBe(200);
      const tripped = await t.exchange({ audience: 'payroll', ...same });
      expect(tripped.body.error_description).toMatch(/max_identical/);
      const all = await feed(OPERATOR_KEYS.resource_server.key, since);
      expect(all.revocations).toHaveLength(2);
      for (const e of all.revocations) expect(e).toMatchObject({ kind: 'grant', aud: PAYROLL });
      expect((await feed(TICKETS_KEY.key, since)).revocations).toEqual([]);
    });

    it("streams only its audiences' grant revocations and every agent-wide one", async () => {
      const payroll = await exchange('payroll');
      const tickets = await exchange('tickets');
      const stream = await openStream(t.url, TICKETS_KEY.key);
      try {
        expect(stream.status).toBe(200);
        await revokeGrant(payroll.grant_id);
        await revokeGrant(tickets.grant_id);
        const all = await call(t.url, 'POST', `/v1/agent/revoke?${Q}`, OPERATOR_KEYS.admin.key);
        expect(all.status).toBe(200);
        await eventually(() => stream.events.length >= 2, 'two revocations on the stream');
        expect(stream.events.map((e) => e.data)).toEqual([
          expect.objectContaining({ kind: 'grant', jti: tickets.grant_id, aud: TICKETS }),
          expect.objectContaining({ kind: 'agent', agent: AGENT }),
        ]);
      } finally {
        stream.close();
      }
    });
  },
);
