// What bench/redis-memory.ts and bench/redis-calls.ts share: a redis-server of their own (so
// INFO deltas and used_memory see only the benchmark, not other clients of a shared Redis), a
// RedisGrantStore on it, and grants shaped like the broker's (22-character jti, `tsk_` ids).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { GrantRecord, RecordGrantInput } from '../src/grants/grant-records.js';
import { RedisGrantStore } from '../src/grants/redis/redis-grant-store.js';
import type { Clock } from '../src/platform/clock.js';
import { startOwnRedis } from '../test/support/own-redis.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { intentFingerprint } from '../src/grants/loop-rules.js';

/** A redis-server on a free loopback port, no persistence (test/support/own-redis.ts). */
export async function privateRedis(): Promise<{ redis: Redis; stop: () => Promise<void> }> {
  const own = await startOwnRedis();
  return { redis: own.client, stop: own.stop };
}

/** The store as the broker builds it, on `redis` under `prefix`. */
export function benchStore(redis: Redis, prefix: string, clock: Clock): RedisGrantStore {
  return new RedisGrantStore({
    redis,
    connectReader: () => redis.duplicate(),
    prefix,
    clock,
    logger: pino({ level: 'silent' }),
    revocationRetentionMs: DEFAULTS.maxTokenTtlSeconds * 1000,
  });
}

/** A grant as an exchange records it: read tier, one target, five minutes. */
export function benchGrant(agentId: string, taskId: string, now: number): GrantRecord {
  const iat = Math.floor(now / 1000);
  return {
    jti: randomBytes(16).toString('base64url'),
    agentId,
    taskId,
    resource: 'tickets',
    audience: 'https://tickets.example.com',
    scopes: ['tickets:read', 'tickets:comment'],
    tier: 'read',
    targets: ['PROJ-1234'],
    issuedAt: iat,
    expiresAt: iat + 300,
  };
}

/** The loop rules, rate limit and live-task bound of the default config, in store units. */
export const DEFAULT_LIMITS: Pick<RecordGrantInput, 'loops' | 'rateLimit' | 'maxLiveTasks'> = {
  loops: {
    windowMs: DEFAULTS.loops.windowSeconds * 1000,
    maxExchanges: DEFAULTS.loops.maxExchanges,
    maxIdentical: DEFAULTS.loops.maxIdentical,
    maxGrants: DEFAULTS.loops.maxGrants,
    maxLiveGrants: DEFAULTS.loops.maxLiveGrants,
    maxTaskAgeMs: DEFAULTS.loops.maxTaskAgeSeconds * 1000,
    agentWindowMs: DEFAULTS.loops.agentWindowSeconds * 1000,
    maxHaltedTasks: DEFAULTS.loops.maxHaltedTasks,
    blockForMs: DEFAULTS.loops.blockForSeconds * 1000,
  },
  rateLimit: {
    max: DEFAULTS.rateLimit.max,
    windowMs: DEFAULTS.rateLimit.windowSeconds * 1000,
  },
  maxLiveTasks: DEFAULTS.maxLiveTasks,
};

/** Records `grant` as an exchange does (purpose, fingerprint, `limits`), expecting success. */
export async function recordOk(
  store: RedisGrantStore,
  grant: GrantRecord,
  now: number,
  limits: Pick<RecordGrantInput, 'loops' | 'rateLimit' | 'maxLiveTasks'>,
  fingerprint: string,
): Promise<void> {
  const result = await store.recordGrant({
    grant,
    purpose: 'triage the tickets of the on-call queue',
    now,
    maxTaskAgeSeconds: DEFAULTS.maxTaskAgeSeconds,
    fingerprint,
    ...limits,
  });
  if (!result.ok) throw new Error(`recordGrant refused: ${JSON.stringify(result)}`);
}

/**
 * An intent fingerprint as the broker makes them (16 characters), one per `variant`: what the
 * loop window stores per exchange, so the task's hash is measured at its real size.
 */
export const benchFingerprint = (variant: number | string): string =>
  intentFingerprint({
    audience: 'https://tickets.example.com',
    scopes: ['tickets:read', 'tickets:comment'],
    targets: [`PROJ-${variant}`],
    purpose: 'triage the tickets of the on-call queue',
  });

/** `n` agents' SPIFFE ids. */
export const agentIds = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `spiffe://bench.example/ns/agents/sa/triage-${i}`);

/** `tsk_` + 16 base64url characters, as the broker makes task ids. */
export const taskId = (): string => `tsk_${randomBytes(12).toString('base64url')}`;
