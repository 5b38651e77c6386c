import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import { guarded } from '../platform/store-unavailable.js';
import type { Approval, ApprovalSubject, StoredApprovalState } from './approval.js';
import type { ApprovalStore, TransitionResult, Verdict } from './approval-store.js';

// One approval is one hash: the request it was asked for (immutable JSON) beside the fields a
// transition changes, so the Lua script compares and sets plain strings, never re-encodes JSON.
//   <prefix>:approvals:<id>     hash  data, state, expiresAt, decidedBy, decidedAt, reason, consumedAt
//   <prefix>:approvals:~index   zset  approval ids by expiresAt, for listing
// The two keys are not in one hash slot: approvals are few, and only create touches both.
// Every TTL is relative, computed from the broker's clock: Redis measures an absolute expiry on
// its own clock, which would make an approval vanish early (or linger) when the two disagree.

/** KEYS[1] approval; ARGV: from-state, now, then field/value pairs to set. */
const TRANSITION = `
local current = redis.call('HMGET', KEYS[1], 'state', 'expiresAt')
if not current[1] then return {'not_found'} end
local result = 'ok'
if current[1] ~= ARGV[1] then
  result = 'wrong_state'
elseif tonumber(ARGV[2]) >= tonumber(current[2]) then
  result = 'expired'
else
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
return {result, redis.call('HGETALL', KEYS[1])}
`;

type ScriptReply = [string, string[]?];

/** How refusals name this store. */
const APPROVAL_STORE = 'approval store';

/** The client with the transition script registered (ioredis `defineCommand`: EVALSHA). */
type ScriptedRedis = Redis & {
  mandateApprovalTransition(key: string, ...args: string[]): Promise<ScriptReply>;
};

/**
 * Approvals in Redis, shared by broker replicas. Decide and consume are one Lua script each,
 * so two replicas never both consume an approval. Keys expire `retentionMs` after the approval.
 *
 * @example
 * const store = new RedisApprovalStore({ client, prefix: 'mandate', clock, retentionMs: 3_600_000 });
 */
export class RedisApprovalStore implements ApprovalStore {
  readonly #client: ScriptedRedis;
  readonly #keyPrefix: string;
  readonly #index: string;
  readonly #clock: Clock;
  readonly #retentionMs: number;

  /** `prefix` is the deployment's `store.prefix`; approvals live under `<prefix>:approvals:`. */
  constructor(options: { client: Redis; prefix: string; clock: Clock; retentionMs: number }) {
    options.client.defineCommand('mandateApprovalTransition', {
      numberOfKeys: 1,
      lua: TRANSITION,
    });
    this.#client = options.client as ScriptedRedis;
    this.#keyPrefix = `${options.prefix}:approvals:`;
    this.#index = `${this.#keyPrefix}~index`;
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs;
  }

  create(approval: Approval): Promise<void> {
    return guarded(() => this.#create(approval), APPROVAL_STORE);
  }

  get(id: string): Promise<Approval | null> {
    return guarded(async () => fromHash(await this.#client.hgetall(this.#key(id))), APPROVAL_STORE);
  }

  list(filter: { state?: StoredApprovalState } = {}): Promise<Approval[]> {
    return guarded(() => this.#list(filter), APPROVAL_STORE);
  }

  async #create(approval: Approval): Promise<void> {
    const key = this.#key(approval.id);
    const { id, state, createdAt, expiresAt, ...subject } = approval;
    const data = JSON.stringify({ id, createdAt, ...subject });
    const now = this.#clock.now();
    const ttlMs = Math.max(1, expiresAt + this.#retentionMs - now);
    // MULTI reports a failed command in its replies rather than by rejecting.
    const replies = await this.#client
      .multi()
      .hset(key, { data, state, expiresAt: String(expiresAt) })
      .pexpire(key, ttlMs)
      .zadd(this.#index, expiresAt, id)
      .zremrangebyscore(this.#index, '-inf', now - this.#retentionMs)
      // The index lives as long as its longest-lived approval: NX sets a first TTL, GT extends it.
      .pexpire(this.#index, ttlMs, 'NX')
      .pexpire(this.#index, ttlMs, 'GT')
      .exec();
    const failed = replies?.find(([err]) => err !== null)?.[0];
    if (replies === null || failed) throw failed ?? new Error('approval transaction discarded');
  }

  decide(id: string, verdict: Verdict): Promise<TransitionResult> {
    return this.#transition(id, 'pending', verdict.at, [
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
    return this.#transition(id, 'approved', at, ['state', 'consumed', 'consumedAt', String(at)]);
  }

  async #list(filter: { state?: StoredApprovalState }): Promise<Approval[]> {
    const ids = await this.#client.zrangebyscore(
      this.#index,
      this.#clock.now() - this.#retentionMs,
      '+inf',
    );
    if (ids.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hgetall(this.#key(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([err, hash]) => (err ? null : fromHash(hash as Record<string, string>)))
      .filter((a): a is Approval => a !== null)
      .filter((a) => filter.state === undefined || a.state === filter.state)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  #transition(
    id: string,
    from: StoredApprovalState,
    at: number,
    fields: string[],
  ): Promise<TransitionResult> {
    return guarded(() => this.#transitionOnce(id, from, at, fields), APPROVAL_STORE);
  }

  async #transitionOnce(
    id: string,
    from: StoredApprovalState,
    at: number,
    fields: string[],
  ): Promise<TransitionResult> {
    const [result, flat] = await this.#client.mandateApprovalTransition(
      this.#key(id),
      from,
      String(at),
      ...fields,
    );
    if (result === 'not_found') return { ok: false, reason: 'not_found' };
    const approval = fromHash(pairs(flat ?? []));
    if (!approval) return { ok: false, reason: 'not_found' };
    if (result === 'ok') return { ok: true, approval };
    return { ok: false, reason: result === 'expired' ? 'expired' : 'wrong_state', approval };
  }

  #key(id: string): string {
    return `${this.#keyPrefix}${id}`;
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
