import type { RevocationEntry } from './revocation-entry.js';

/** What of a token decides whether an entry revokes it. */
export interface TokenIdentity {
  readonly jti: string;
  readonly sub: string;
  readonly taskId: string;
  /** Epoch seconds the token was issued. */
  readonly iat: number;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks the shape of a feed entry; undefined for anything that is not one. */
export function parseRevocationEntry(value: unknown): RevocationEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (!str(e.id) || !str(e.agent) || !num(e.at) || !num(e.until)) return undefined;
  const reason = typeof e.reason === 'string' ? e.reason : '';
  const base = { id: e.id, agent: e.agent, at: e.at, until: e.until, reason };
  switch (e.kind) {
    case 'grant':
      return str(e.jti)
        ? { ...base, kind: 'grant', jti: e.jti, ...(str(e.aud) ? { aud: e.aud } : {}) }
        : undefined;
    case 'task':
      return str(e.task) ? { ...base, kind: 'task', task: e.task } : undefined;
    case 'agent':
      return { ...base, kind: 'agent' };
    case 'epoch':
      return { ...base, kind: 'epoch' };
    default:
      return undefined;
  }
}

/**
 * The revocations a verifier has heard of, each kept until every token it revokes has expired
 * (`until` plus the clock tolerance the verifier grants `exp`), then dropped, so memory stays
 * bounded by what can still be presented.
 */
export class RevocationList {
  readonly #graceSeconds: number;
  readonly #grants = new Map<string, number>();
  readonly #tasks = new Map<string, number>();
  readonly #agents = new Map<string, Mark>();
  /** The latest store epoch heard of: every token issued up to its second is revoked. */
  #epoch: Mark | undefined;

  constructor(options: { graceSeconds: number }) {
    this.#graceSeconds = options.graceSeconds;
  }

  /** Records an entry; applying the same entry twice changes nothing. */
  apply(entry: RevocationEntry): void {
    switch (entry.kind) {
      case 'grant':
        keepLatest(this.#grants, entry.jti!, entry.until);
        break;
      case 'task':
        keepLatest(this.#tasks, taskKey(entry.agent, entry.task!), entry.until);
        break;
      case 'agent':
        this.#agents.set(entry.agent, laterMark(this.#agents.get(entry.agent), entry));
        break;
      case 'epoch':
        this.#epoch = laterMark(this.#epoch, entry);
        break;
    }
  }

  /** Which kind of revocation covers the token, if any. */
  revokedBy(token: TokenIdentity): RevocationEntry['kind'] | undefined {
    if (this.#grants.has(token.jti)) return 'grant';
    if (this.#tasks.has(taskKey(token.sub, token.taskId))) return 'task';
    if (marks(this.#agents.get(token.sub), token.iat)) return 'agent';
    if (marks(this.#epoch, token.iat)) return 'epoch';
    return undefined;
  }

  /** Drops entries whose tokens have all expired by `nowSeconds`. */
  prune(nowSeconds: number): void {
    const horizon = nowSeconds - this.#graceSeconds;
    for (const [key, until] of this.#grants) if (until < horizon) this.#grants.delete(key);
    for (const [key, until] of this.#tasks) if (until < horizon) this.#tasks.delete(key);
    for (const [key, a] of this.#agents) if (a.until < horizon) this.#agents.delete(key);
    if (this.#epoch && this.#epoch.until < horizon) this.#epoch = undefined;
  }

  /** Entries held, for metrics and tests. */
  get size(): number {
    return this.#grants.size + this.#tasks.size + this.#agents.size + (this.#epoch ? 1 : 0);
  }
}

/** An agent-wide or store-wide mark: tokens issued up to `atSeconds` are revoked. */
interface Mark {
  /** The mark's time in whole seconds: `floor(at / 1000)`. */
  readonly atSeconds: number;
  readonly until: number;
}

/**
 * A later mark covers every token an earlier one did, so one record suffices: the latest
 * second, the furthest `until`.
 */
function laterMark(held: Mark | undefined, entry: RevocationEntry): Mark {
  const atSeconds = Math.floor(entry.at / 1000);
  return {
    atSeconds: Math.max(atSeconds, held?.atSeconds ?? atSeconds),
    until: Math.max(entry.until, held?.until ?? entry.until),
  };
}

/**
 * The one rule of agent-wide marks, the broker's too: revoked when the token's issue second is
 * at or before the mark's second (`iat` floored, in case an issuer wrote a fraction).
 */
function marks(mark: Mark | undefined, iat: number): boolean {
  return mark !== undefined && Math.floor(iat) <= mark.atSeconds;
}

function keepLatest(map: Map<string, number>, key: string, until: number): void {
  map.set(key, Math.max(until, map.get(key) ?? until));
}

/** Task ids are scoped to their agent, so the key holds both, split by a byte neither has. */
function taskKey(agent: string, task: string): string {
  return `${agent}\u0000${task}`;
}
