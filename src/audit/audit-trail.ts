import { DEFAULTS } from '../config/defaults.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { AuditChain } from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';
import type { AuditLog } from './audit-log.js';
import type { AuditRecord, ChainHead, CheckpointEvent } from './audit-record.js';
import type { AuditSink, AuditSinkHealth, AuditSinkKind } from './audit-sink.js';

/** When checkpoints are written, and how they are signed. */
export interface CheckpointOptions {
  /** A checkpoint after this many records; 0: never by count. */
  readonly every: number;
  /** A checkpoint this often while records were written since the last one; 0: never by time. */
  readonly intervalMs: number;
  /** Signs the chain head (`{instance, seq, hash, iat}`) as a compact JWS. */
  readonly sign: (payload: Record<string, unknown>) => Promise<string>;
}

/** What an {@link AuditTrail} writes to and reports to. */
export interface AuditTrailOptions {
  /** This broker's instance id: its chain's name. */
  readonly instance: string;
  readonly sinks: readonly AuditSink[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told of each failed write, by sink (the metric). */
  readonly onFailure: (sink: AuditSinkKind) => void;
  readonly checkpoint?: CheckpointOptions;
  /**
   * A sink that has not taken a record by then has failed it (its write may still land);
   * default `DEFAULTS.audit.appendTimeoutMs`.
   */
  readonly appendTimeoutMs?: number;
}

/**
 * The broker's audit trail: each event becomes the next record of this instance's hash chain
 * and goes to every sink, in order. A restart continues the chain from the newest record any
 * sink holds for the instance. Signed checkpoints of the chain head are written every
 * `checkpoint.every` records and every `checkpoint.intervalMs`.
 *
 * @example
 * const trail = await AuditTrail.open({ instance, sinks, clock, logger, onFailure });
 * await trail.write(event); // rejects when a sink failed
 */
export class AuditTrail implements AuditLog {
  readonly #o: AuditTrailOptions;
  readonly #chain: AuditChain;
  readonly #health: Map<AuditSink, { ok: boolean; failures: number }>;
  #sinceCheckpoint = 0;
  #timer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<void> | undefined;
  readonly #appendTimeoutMs: number;

  private constructor(options: AuditTrailOptions, head: ChainHead | null) {
    this.#o = options;
    this.#appendTimeoutMs = options.appendTimeoutMs ?? DEFAULTS.audit.appendTimeoutMs;
    this.#chain = new AuditChain({ instance: options.instance, head });
    this.#health = new Map(options.sinks.map((s) => [s, { ok: true, failures: 0 }]));
    const intervalMs = options.checkpoint?.intervalMs ?? 0;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => {
        if (this.#sinceCheckpoint > 0) this.#startCheckpoint();
      }, intervalMs);
      this.#timer.unref();
    }
  }

  /** Reads where this instance's chain stands in the sinks (newest wins), then starts. */
  static async open(options: AuditTrailOptions): Promise<AuditTrail> {
    const heads = await Promise.all(
      options.sinks.map((s) =>
        s.head(options.instance).catch((err: unknown) => {
          options.logger.warn(
            { err, sink: s.kind },
            'audit sink unreadable at start: the chain continues from the other sinks',
          );
          return null;
        }),
      ),
    );
    const head = heads.reduce<ChainHead | null>(
      (best, h) => (h && (!best || h.seq > best.seq) ? h : best),
      null,
    );
    return new AuditTrail(options, head);
  }

  /** This instance's chain head: the last record appended. */
  get head(): ChainHead | null {
    return this.#chain.head;
  }

  record(event: AuditEvent): void {
    // Failures are counted and logged by #send; nobody waits on this one.
    this.write(event).catch(() => undefined);
  }

  write(event: AuditEvent): Promise<void> {
    const written = this.#append(event);
    this.#sinceCheckpoint += 1;
    const every = this.#o.checkpoint?.every ?? 0;
    if (every > 0 && this.#sinceCheckpoint >= every) this.#startCheckpoint();
    return written;
  }

  /** Each sink's state, for `/readyz`. */
  health(): AuditSinkHealth[] {
    return [...this.#health].map(([sink, h]) => ({ sink: sink.kind, ...h }));
  }

  /** Writes a last checkpoint when records were written since one, then closes the sinks. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#checkpointing;
    if (this.#sinceCheckpoint > 0 && this.#o.checkpoint) await this.#checkpoint().catch(noop);
    await Promise.all(this.#o.sinks.map((s) => s.close()));
  }

  #append(event: AuditEvent | CheckpointEvent): Promise<void> {
    const record = this.#chain.append(event, this.#o.clock.now());
    return this.#send(record, JSON.stringify(record));
  }

  async #send(record: AuditRecord, line: string): Promise<void> {
    const results = await Promise.allSettled(
      this.#o.sinks.map((s) => withinDeadline(s.append(record, line), this.#appendTimeoutMs)),
    );
    let failed: Error | undefined;
    results.forEach((result, i) => {
      const sink = this.#o.sinks[i]!;
      const health = this.#health.get(sink)!;
      if (result.status === 'fulfilled') {
        health.ok = true;
        return;
      }
      health.ok = false;
      health.failures += 1;
      this.#o.onFailure(sink.kind);
      this.#o.logger.error(
        { err: result.reason, sink: sink.kind, seq: record.seq, audit_event: record.event },
        'audit record not written',
      );
      failed ??= new Error(`audit sink ${sink.kind} failed`, { cause: result.reason });
    });
    if (failed !== undefined) throw failed;
  }

  #startCheckpoint(): void {
    if (this.#checkpointing || !this.#o.checkpoint) return;
    this.#checkpointing = this.#checkpoint()
      .catch((err: unknown) => this.#o.logger.error({ err }, 'audit checkpoint not written'))
      .finally(() => (this.#checkpointing = undefined));
  }

  /** Signs the head as it is now and appends the checkpoint (more records may come between). */
  async #checkpoint(): Promise<void> {
    const head = this.#chain.head;
    if (!head) return;
    this.#sinceCheckpoint = 0;
    const jws = await this.#o.checkpoint!.sign({
      instance: this.#o.instance,
      seq: head.seq,
      hash: head.hash,
      iat: Math.floor(this.#o.clock.now() / 1000),
    });
    await this.#append({ event: 'audit_checkpoint', head, jws });
  }
}

function noop(): void {}

/** `write`, or a rejection once `ms` have passed without it settling. */
function withinDeadline(write: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([write, late]).finally(() => clearTimeout(timer));
}
