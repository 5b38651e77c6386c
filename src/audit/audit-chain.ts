import type { AuditEvent } from './audit-event.js';
import {
  AUDIT_MARK,
  recordHash,
  type AuditRecord,
  type ChainHead,
  type CheckpointEvent,
} from './audit-record.js';

/**
 * One broker instance's hash chain: each event gets the next `seq`, the previous record's hash
 * as `prev`, and its own `hash`. Synchronous, so records are numbered in the order recorded.
 *
 * @example
 * const chain = new AuditChain({ instance: 'broker-1', head: null });
 * const record = chain.append({ event: 'task_completed', agent, task, revoked: 1 }, Date.now());
 */
export class AuditChain {
  readonly instance: string;
  #head: ChainHead | null;

  /** `head`: the last record written by this instance before (a restart continues it). */
  constructor(options: { instance: string; head: ChainHead | null }) {
    this.instance = options.instance;
    this.#head = options.head;
  }

  /** The last record appended, or null before the first. */
  get head(): ChainHead | null {
    return this.#head;
  }

  /** The next record of the chain for `event`, recorded at `nowMs`. */
  append(event: AuditEvent | CheckpointEvent, nowMs: number): AuditRecord {
    const unhashed = {
      [AUDIT_MARK]: 1 as const,
      instance: this.instance,
      seq: (this.#head?.seq ?? 0) + 1,
      prev: this.#head?.hash ?? null,
      time: new Date(nowMs).toISOString(),
      ...event,
    };
    const hash = recordHash(unhashed);
    this.#head = { seq: unhashed.seq, hash };
    return { ...unhashed, hash };
  }
}
