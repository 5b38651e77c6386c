import type { Redis } from 'ioredis';
import { MandateError } from '../errors.js';
import { guarded } from '../platform/store-unavailable.js';
import type { AuditRecord } from './audit-record.js';
import { fieldOf } from './redis-sink.js';

/** What `GET /v1/audit` filters on; every member given must match. */
export interface AuditFilter {
  readonly agent?: string;
  readonly task?: string;
  readonly jti?: string;
  readonly event?: string;
  readonly outcome?: string;
  /** Epoch ms, inclusive. */
  readonly fromMs?: number;
  /** Epoch ms, inclusive. */
  readonly toMs?: number;
}

/** One page of records, newest first, and the cursor of the next when there is one. */
export interface AuditPage {
  readonly items: readonly AuditRecord[];
  readonly next?: string;
}

/** Stream entries read per round trip, and at most per page (a rare filter may fill a page slowly). */
const BATCH = 256;
const SCAN_PER_PAGE = 8192;

/**
 * Reads the Redis audit stream for `GET /v1/audit`: newest first, filtered, a page at a time.
 * Filters apply to each record (the time range to its `time`, the broker's clock). A page scans at most {@link SCAN_PER_PAGE} entries, so a filter
 * that rarely matches answers a short (even empty) page with a cursor to go on from.
 *
 * @example
 * const page = await reader.page({ agent, event: 'token_exchange' }, { limit: 50 });
 */
export class RedisAuditReader {
  readonly #o: { redis: Redis; stream: string };

  constructor(options: { redis: Redis; stream: string }) {
    this.#o = options;
  }

  async page(
    filter: AuditFilter,
    request: { limit: number; cursor?: string | undefined },
  ): Promise<AuditPage> {
    const items: AuditRecord[] = [];
    let end = request.cursor !== undefined ? `(${decodeAuditCursor(request.cursor)}` : '+';
    for (let scanned = 0; scanned < SCAN_PER_PAGE;) {
      const from = end;
      const entries = await guarded(
        () => this.#o.redis.xrevrange(this.#o.stream, from, '-', 'COUNT', BATCH),
        'audit stream',
      );
      for (const [id, fields] of entries) {
        scanned += 1;
        end = `(${id}`;
        const line = fieldOf(fields, 'line');
        const record = line === undefined ? undefined : (JSON.parse(line) as AuditRecord);
        if (record && matches(record, filter)) items.push(record);
        if (items.length === request.limit) return { items, next: encodeAuditCursor(id) };
      }
      if (entries.length < BATCH) return { items };
    }
    return { items, next: encodeAuditCursor(end.slice(1)) };
  }
}

function matches(record: AuditRecord, f: AuditFilter): boolean {
  const r = record as unknown as Record<string, unknown>;
  const time = Date.parse(record.time);
  return (
    (f.agent === undefined || r.agent === f.agent) &&
    (f.task === undefined || r.task === f.task) &&
    (f.jti === undefined || r.jti === f.jti) &&
    (f.event === undefined || r.event === f.event) &&
    (f.outcome === undefined || r.outcome === f.outcome) &&
    (f.fromMs === undefined || time >= f.fromMs) &&
    (f.toMs === undefined || time <= f.toMs)
  );
}

const STREAM_ID = /^\d{1,15}-\d{1,10}$/;

function encodeAuditCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeAuditCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!STREAM_ID.test(id))
    throw new MandateError('invalid_request', 'cursor: not a cursor of this listing');
  return id;
}
