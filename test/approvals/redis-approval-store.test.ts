import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisApprovalStore } from '../../src/approvals/redis-approval-store.js';
import {
  approvalStoreContract,
  CONTRACT_RETENTION_MS,
  manualClock,
} from './approval-store.contract.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (the test's own). */
async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

approvalStoreContract('redis', () => {
  const client = new Redis(REDIS_URL);
  const prefix = `mandate-test-${randomBytes(6).toString('hex')}`;
  const clock = manualClock();
  const store = new RedisApprovalStore({
    client,
    prefix,
    clock,
    retentionMs: CONTRACT_RETENTION_MS,
  });
  return Promise.resolve({
    store,
    clock,
    cleanup: async () => {
      await dropPrefix(client, prefix);
      await client.quit();
    },
  });
});

describe('RedisApprovalStore keys', () => {
  it('keeps approvals and their index under <prefix>:approvals: with TTLs past their expiry', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = `mandate-test-${randomBytes(6).toString('hex')}`;
    const clock = { now: () => Date.now() };
    const store = new RedisApprovalStore({ client, prefix, clock, retentionMs: 60_000 });
    try {
      const now = Date.now();
      await store.ask(
        {
          id: 'apr_k',
          agentId: 'a',
          taskId: 't',
          resource: 'r',
          audience: 'https://r',
          scopes: ['s'],
          tier: 'destructive',
          sensitivity: 'internal',
          ttlSeconds: 60,
          purpose: 'p',
          targets: ['x'],
          state: 'pending',
          createdAt: now,
          expiresAt: now + 30_000,
        },
        { fingerprint: 'f', maxPending: 20 },
      );
      const keys = (await client.keys(`${prefix}:*`)).sort();
      expect(keys.filter((k) => !k.includes('~agent:'))).toEqual([
        `${prefix}:approvals:apr_k`,
        `${prefix}:approvals:~ask:f`,
        `${prefix}:approvals:~index`,
        `${prefix}:approvals:~state:pending`,
      ]);
      expect(keys.filter((k) => k.includes('~agent:'))).toEqual([
        expect.stringMatching(new RegExp(`^${prefix}:approvals:~agent:[A-Za-z0-9_-]{43}$`)),
      ]);
      const ttl = await client.pttl(`${prefix}:approvals:apr_k`);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(90_000);
      // Every index expires with its longest-lived approval, never lingers without a TTL; the
      // re-ask key when the approval stops being pending.
      for (const key of keys) {
        const left = await client.pttl(key);
        expect({ key, expires: left > 0 && left <= 90_000 }).toEqual({ key, expires: true });
      }
      expect(await client.pttl(`${prefix}:approvals:~ask:f`)).toBeLessThanOrEqual(30_000);
    } finally {
      await dropPrefix(client, prefix);
      await client.quit();
    }
  });
});

describe('RedisApprovalStore with Redis unreachable', () => {
  it('refuses every call with 503 temporarily_unavailable, never an internal error', async () => {
    // A port nothing listens on, with the broker's fail-fast client settings.
    const client = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    const store = new RedisApprovalStore({
      client,
      prefix: 'mandate-unreachable',
      clock: manualClock(),
      retentionMs: CONTRACT_RETENTION_MS,
    });
    const unavailable = expect.objectContaining({
      code: 'temporarily_unavailable',
      retryAfter: 1,
    }) as unknown;
    await expect(store.get('apr_x')).rejects.toEqual(unavailable);
    await expect(store.page({ limit: 10 })).rejects.toEqual(unavailable);
    await expect(store.consume('apr_x', 0)).rejects.toEqual(unavailable);
    await expect(store.countPending()).rejects.toEqual(unavailable);
    client.disconnect();
  });
});
