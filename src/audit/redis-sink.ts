import type { Redis } from 'ioredis';
import type { AuditRecord, ChainHead } from './audit-record.js';
import { headOf, type AuditSink } from './audit-sink.js';

/** The Redis stream of a deployment's audit trail. */
export interface RedisSinkOptions {
  readonly redis: Redis;
  /** `<prefix>:audit`: one stream per deployment, every instance's chain in it. */
  readonly stream: string;
  /** The stream is trimmed to about this many entries (MAXLEN ~), oldest first. */
  readonly maxEntries: number;
}

/** Entries a restart reads back, newest first, looking for its instance's last record. */
const HEAD_SCAN = 10_000;
const HEAD_BATCH = 500;

/** The stream key of a deployment's audit trail. */
export function auditStream(prefix: string): string {
  return `${prefix}:audit`;
}

/**
 * Appends audit records to a Redis stream (`XADD ... MAXLEN ~`), each entry holding the record's
 * line and its instance. Commands on one connection run in the order sent, so entries keep the
 * order of the chain. `GET /v1/audit` reads this stream ({@link RedisAuditReader}).
 *
 * @example
 * const sink = new RedisAuditSink({ redis, stream: auditStream('mandate'), maxEntries: 1_000_000 });
 */
export class RedisAuditSink implements AuditSink {
  readonly kind = 'redis' as const;
  readonly #o: RedisSinkOptions;

  constructor(options: RedisSinkOptions) {
    this.#o = options;
  }

  async append(record: AuditRecord, line: string): Promise<void> {
    const { redis, stream, maxEntries } = this.#o;
    await redis.xadd(
      stream,
      'MAXLEN',
      '~',
      String(maxEntries),
      '*',
      'instance',
      record.instance,
      'line',
      line,
    );
  }

  /** The newest entry of `instance` among the stream's last {@link HEAD_SCAN} entries. */
  async head(instance: string): Promise<ChainHead | null> {
    let end = '+';
    for (let read = 0; read < HEAD_SCAN; read += HEAD_BATCH) {
      const entries = await this.#o.redis.xrevrange(this.#o.stream, end, '-', 'COUNT', HEAD_BATCH);
      for (const [, fields] of entries) {
        const line = fieldOf(fields, 'line');
        if (fieldOf(fields, 'instance') !== instance || line === undefined) continue;
        const head = headOf(JSON.parse(line), instance);
        if (head) return head;
      }
      if (entries.length < HEAD_BATCH) return null;
      end = `(${entries.at(-1)![0]}`;
    }
    return null;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The value of `name` in a stream entry's flat field list. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
