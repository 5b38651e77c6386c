import { startTicketsApi } from '../../examples/downstream-api/server.js';
import { describeRevocationLoop } from '../support/revocation-loop.js';
import { keysOf } from '../grants/redis-support.js';
import { startBrokerPair, type BrokerPair } from './verifier-brokers.js';

// The downstream loop against real brokers: A serves the API's verifier (JWKS, feed,
// introspection) and is stopped and started again on its port; B, on the same Redis prefix,
// takes the operator's revocations while A is down. The feed heartbeat is 2 s, so the
// staleness bound sits a second above it.
const MAX_STALENESS = 3;

/** A pair whose close() also checks that nothing was left under its Redis prefix. */
async function pair(): Promise<BrokerPair> {
  const brokers = await startBrokerPair({ maxStaleness: MAX_STALENESS });
  return {
    ...brokers,
    close: async () => {
      const { redis, prefix } = brokers;
      await brokers.close();
      const left = await keysOf(redis, prefix).catch(() => []);
      if (left.length > 0) throw new Error(`keys left under ${prefix}`);
    },
  };
}

describeRevocationLoop('real brokers on Redis', pair, 'feed');
describeRevocationLoop('real brokers on Redis', pair, 'introspect');

describe('a verifier that starts after more than one page of revocations', () => {
  let brokers: BrokerPair;
  beforeAll(async () => {
    brokers = await pair();
  });
  afterAll(() => brokers.close());

  it('catches up on every page before serving, so the newest revocation holds at once', async () => {
    const agent = await brokers.getToken();
    // More entries than one page of GET /v1/revocations (1000), appended as the brokers'
    // scripts append them, then the revocation that matters, last.
    const now = Date.now();
    const filler = brokers.redis.pipeline();
    for (let i = 0; i < 1_200; i++) {
      filler.xadd(
        `${brokers.prefix}:revocations`,
        '*',
        'kind',
        'grant',
        'agent',
        'spiffe://test.example/agent/other',
        'jti',
        `filler-${i}`,
        'at',
        String(now),
        'until',
        String(Math.floor(now / 1000) + 600),
        'reason',
        'filler',
      );
    }
    await filler.exec();
    await brokers.revokeTask(agent.agentId, agent.taskId);

    const api = await startTicketsApi({
      issuer: brokers.issuer,
      brokerUrl: brokers.brokerUrl,
      apiKey: brokers.apiKey,
      maxStaleness: MAX_STALENESS,
    });
    try {
      const res = await fetch(`${api.url}/tickets/T-1`, {
        headers: { authorization: `Bearer ${agent.token}` },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
      const ready = await fetch(`${api.url}/readyz`);
      expect(await ready.json()).toMatchObject({ fresh: true, held: 1_201 });
    } finally {
      await api.close();
    }
  });
});
