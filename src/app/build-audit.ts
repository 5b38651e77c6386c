import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AuditSink } from '../audit/audit-sink.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { checkpointSigner } from '../audit/checkpoint.js';
import { FileAuditSink } from '../audit/file-sink.js';
import { RedisAuditReader } from '../audit/redis-audit-reader.js';
import { auditStream, RedisAuditSink } from '../audit/redis-sink.js';
import { StdoutAuditSink, type LineWriter } from '../audit/stdout-sink.js';
import type { Config } from '../config/load-config.js';
import { redisClientOptions } from '../grants/create-grant-store.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { KeyRing } from '../tokens/key-ring.js';

/** The audit trail the config asks for, and what reads it back. */
export interface BuiltAudit {
  readonly trail: AuditTrail;
  /** Reads the Redis sink's stream (`GET /v1/audit`); absent without a Redis sink. */
  readonly reader?: RedisAuditReader;
  close(): Promise<void>;
}

/** What the audit trail is built with besides the config. */
export interface AuditDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'auditWriteFailures'>;
  readonly keyRing: KeyRing;
  /** The store's Redis client, used by a Redis sink on the same URL. */
  readonly storeRedis?: Redis;
  /** Where the stdout sink writes; process.stdout by default. */
  readonly stdout?: LineWriter;
}

/**
 * Builds the sinks of `audit.sinks` and the trail over them: the instance id from config or
 * generated (`<host>-<random>`: a new chain each start), checkpoints signed with the active key.
 *
 * @example
 * const audit = await buildAudit(config, { clock, logger, metrics, keyRing });
 */
export async function buildAudit(config: Config, deps: AuditDeps): Promise<BuiltAudit> {
  const sinks: AuditSink[] = [];
  let reader: RedisAuditReader | undefined;
  let ownRedis: Redis | undefined;
  for (const sink of config.audit.sinks) {
    if (sink.type === 'stdout') sinks.push(new StdoutAuditSink(deps.stdout ?? process.stdout));
    else if (sink.type === 'file')
      sinks.push(
        await FileAuditSink.open({ path: sink.path, maxBytes: sink.max_bytes, keep: sink.keep }),
      );
    else {
      const url = sink.url ?? config.store.redis_url;
      if (url === undefined)
        throw new Error('audit.sinks: a redis sink needs its url or store.redis_url');
      const redis =
        url === config.store.redis_url && deps.storeRedis
          ? deps.storeRedis
          : (ownRedis = await connect(url, config, deps.logger));
      const stream = auditStream(config.store.prefix);
      sinks.push(new RedisAuditSink({ redis, stream, maxEntries: sink.max_entries }));
      reader = new RedisAuditReader({ redis, stream });
    }
  }
  const instance =
    config.audit.instance ?? `${hostname().slice(0, 64)}-${randomBytes(4).toString('hex')}`;
  const { every, interval } = config.audit.checkpoint;
  const trail = await AuditTrail.open({
    instance,
    sinks,
    clock: deps.clock,
    logger: deps.logger,
    onFailure: (sink) => deps.metrics.auditWriteFailures.inc({ sink }),
    checkpoint: { every, intervalMs: interval * 1000, sign: checkpointSigner(deps.keyRing.active) },
  });
  return {
    trail,
    ...(reader ? { reader } : {}),
    close: async () => {
      await trail.close();
      ownRedis?.disconnect();
    },
  };
}

/** A Redis client of the audit sink's own, failing fast like the store's. */
async function connect(url: string, config: Config, logger: Logger): Promise<Redis> {
  const redis = new Redis(
    url,
    redisClientOptions({
      commandTimeoutMs: config.store.command_timeout_ms,
      connectTimeoutMs: config.store.connect_timeout_ms,
    }),
  );
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'audit redis error'));
  await redis.connect().catch((err: unknown) => {
    logger.warn({ err: (err as Error).message }, 'audit redis unreachable at start');
  });
  return redis;
}
