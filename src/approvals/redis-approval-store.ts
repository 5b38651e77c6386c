import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import { guarded } from '../platform/store-unavailable.js';
import type { Approval, ApprovalSubject, StoredApprovalState } from './approval.js';
import {
  storedStatesOf,
  type ApprovalPage,
  type ApprovalStore,
  type AskOptions,
  type AskResult,
  type PageQuery,
  type TransitionResult,
  type Verdict,
} from './approval-store.js';
import { ASK, PAGE, TRANSITION } from './redis-approval-scripts.js';

// One approval is one hash: the request it was asked for (immutable JSON) beside the fields a
// transition changes, so the scripts compare and set plain strings, never re-encode JSON. Sorted
// indexes (every approval, each stored state, each agent's pending ones) keep every call's work
// bounded by a page or by the pending bound, never by how many approvals are retained; the
// layout is in redis-approval-scripts.ts. Every TTL is relative, computed from the broker's
// clock: Redis measures an absolute expiry on its own clock, which would make an approval vanish
// early (or linger) when the two disagree.

type TransitionReply = [string, string[]?];
type PageReply = [number, ...[string, string, string[]][]];

/** How refusals name this store. */
const APPROVAL_STORE = 'approval store';

/** The client with the scripts registered (ioredis `defineCommand`: EVALSHA). */
type ScriptedRedis = Redis & {
  mandateApprovalAsk(...keysAndArgs: string[]): Promise<[string, (string | string[])?]>;
  mandateApprovalTransition(...keysAndArgs: string[]): Promise<TransitionReply>;
  mandateApprovalPage(keyCount: number, ...keysAndArgs: string[]): Promise<PageReply>;
};

/**
 * Approvals in Redis, shared by broker replicas. Ask, decide and consume are one Lua script
 * each, so two replicas never both consume an approval nor push an agent past its bound. Keys
 * expire `retentionMs` after the approval.
 *
 * @example
 * const store = new RedisApprovalStore({ client, prefix: 'mandate', clock, retentionMs: 3_600_000 });
 */
export class RedisApprovalStore implements ApprovalStore {
  readonly #client: ScriptedRedis;
  readonly #keyPrefix: string;
  readonly #clock: Clock;
  readonly #retentionMs: number;

  /** `prefix` is the deployment's `store.prefix`; approvals live under `<prefix>:approvals:`. */
  constructor(options: { client: Redis; prefix: string; clock: Clock; retentionMs: number }) {
    options.client.defineCommand('mandateApprovalAsk', { numberOfKeys: 5, lua: ASK });
    options.client.defineCommand('mandateApprovalTransition', { numberOfKeys: 3, lua: TRANSITION });
    options.client.defineCommand('mandateApprovalPage', { lua: PAGE });
    this.#client = options.client as ScriptedRedis;
    this.#keyPrefix = `${options.prefix}:approvals:`;
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs;
  }

  ask(approval: Approval, options: AskOptions): Promise<AskResult> {
    return guarded(() => this.#ask(approval, options), APPROVAL_STORE);
  }

  get(id: string): Promise<Approval | null> {
    return guarded(async () => fromHash(await this.#client.hgetall(this.#key(id))), APPROVAL_STORE);
  }

  decide(id: string, verdict: Verdict): Promise<TransitionResult> {
    return this.#transition(id, 'pending', verdict.state, verdict.at, [
      'state',
      verdict.state,
      'decidedBy',
      verdict.by,
      'decidedAt',
      String(verdict.at),
      'reason',
      verdict.reason,
    ]);
  }

  consume(id: string, at: number): Promise<TransitionResult> {
    return this.#transition(id, 'approved', 'consumed', at, [
      'state',
      'consumed',
      'consumedAt',
      String(at),
    ]);
  }

  page(query: PageQuery): Promise<ApprovalPage> {
    return guarded(() => this.#page(query), APPROVAL_STORE);
  }

  countPending(): Promise<number> {
    return guarded(
      () => this.#client.zcount(this.#stateIndex('pending'), `(${this.#clock.now()}`, '+inf'),
      APPROVAL_STORE,
    );
  }

  async #ask(approval: Approval, options: AskOptions): Promise<AskResult> {
    const { id, state, createdAt, expiresAt, ...subject } = approval;
    if (state !== 'pending') throw new Error(`approval ${id} is asked for ${state}, not pending`);
    const now = this.#clock.now();
    const [outcome, value] = await this.#client.mandateApprovalAsk(
      this.#key(id),
      this.#key('~index'),
      this.#stateIndex('pending'),
      this.#key(`~agent:${createHash('sha256').update(approval.agentId).digest('base64url')}`),
      this.#key(`~ask:${options.fingerprint}`),
      String(now),
      String(options.maxPending),
      id,
      JSON.stringify({ id, createdAt, ...subject }),
      String(expiresAt),
      String(Math.max(1, expiresAt + this.#retentionMs - now)),
      String(now - this.#retentionMs),
      this.#keyPrefix,
    );
    if (outcome === 'limited') return { outcome, oldestExpiresAt: Number(value) };
    if (outcome === 'pending') {
      const same = fromHash(pairs(value as string[]));
      if (same) return { outcome, approval: same };
    }
    return { outcome: 'created', approval };
  }

  async #page(query: PageQuery): Promise<ApprovalPage> {
    const now = this.#clock.now();
    const horizon = now - this.#retentionMs;
    const { state, after } = query;
    const keys =
      state === undefined
        ? [this.#key('~index')]
        : storedStatesOf(state).map((s) => this.#stateIndex(s));
    // Pending and approved ones are in their state only until they expire; then in `expired`.
    const open = state === 'pending' || state === 'approved';
    const floor = open ? now : horizon;
    const min = after && after.expiresAt > floor ? String(after.expiresAt) : `(${floor}`;
    const max = state === 'expired' ? String(now) : '+inf';
    const [more, ...entries] = await this.#client.mandateApprovalPage(
      keys.length,
      ...keys,
      min,
      max,
      after ? String(after.expiresAt) : '',
      after?.id ?? '',
      String(query.limit),
      this.#keyPrefix,
    );
    const approvals = entries
      .map(([, , hash]) => fromHash(pairs(hash)))
      .filter((a): a is Approval => a !== null);
    const last = entries.at(-1);
    return more === 1 && last
      ? { approvals, next: { id: last[0], expiresAt: Number(last[1]) } }
      : { approvals };
  }

  #transition(
    id: string,
    from: StoredApprovalState,
    to: StoredApprovalState,
    at: number,
    fields: string[],
  ): Promise<TransitionResult> {
    return guarded(async () => {
      const [result, flat] = await this.#client.mandateApprovalTransition(
        this.#key(id),
        this.#stateIndex(from),
        this.#stateIndex(to),
        from,
        String(at),
        String(this.#clock.now() - this.#retentionMs),
        id,
        ...fields,
      );
      if (result === 'not_found') return { ok: false, reason: 'not_found' };
      const approval = fromHash(pairs(flat ?? []));
      if (!approval) return { ok: false, reason: 'not_found' };
      if (result === 'ok') return { ok: true, approval };
      return { ok: false, reason: result === 'expired' ? 'expired' : 'wrong_state', approval };
    }, APPROVAL_STORE);
  }

  #key(id: string): string {
    return `${this.#keyPrefix}${id}`;
  }

  #stateIndex(state: StoredApprovalState): string {
    return this.#key(`~state:${state}`);
  }
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

function fromHash(hash: Record<string, string>): Approval | null {
  if (hash.data === undefined || hash.state === undefined || hash.expiresAt === undefined)
    return null;
  const data = JSON.parse(hash.data) as ApprovalSubject & { id: string; createdAt: number };
  return {
    ...data,
    state: hash.state as StoredApprovalState,
    expiresAt: Number(hash.expiresAt),
    ...(hash.decidedBy !== undefined ? { decidedBy: hash.decidedBy } : {}),
    ...(hash.decidedAt !== undefined ? { decidedAt: Number(hash.decidedAt) } : {}),
    ...(hash.reason !== undefined ? { reason: hash.reason } : {}),
    ...(hash.consumedAt !== undefined ? { consumedAt: Number(hash.consumedAt) } : {}),
  };
}
