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
      await brokers.close();
      const left = await keysOf(brokers.redis, brokers.prefix).catch(() => []);
      if (left.length > 0) throw new Error(`keys left under ${brokers.prefix}`);
    },
  };
}

describeRevocationLoop('real brokers on Redis', pair, 'feed');
describeRevocationLoop('real brokers on Redis', pair, 'introspect');
