import type { Redis } from 'ioredis';
import { RETENTION_MS, grantStoreContract } from './grant-store.contract.js';
import { connectRedis, deleteKeys, redisStore, uniquePrefix } from './redis-support.js';

describe('RedisGrantStore against the real Redis', () => {
  grantStoreContract(async (clock) => {
    const prefix = uniquePrefix();
    const a: Redis = await connectRedis();
    const b: Redis = await connectRedis();
    const store = redisStore(a, prefix, clock, RETENTION_MS);
    // A second client and store on the same prefix: another broker process.
    const peer = redisStore(b, prefix, clock, RETENTION_MS);
    return {
      store,
      peer,
      close: async () => {
        await Promise.all([store.close(), peer.close()]);
        await deleteKeys(a, prefix);
        a.disconnect();
        b.disconnect();
      },
    };
  });
});
