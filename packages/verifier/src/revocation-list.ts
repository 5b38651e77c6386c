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
      return str(e.jti) ? { ...base, kind: 'grant', jti: e.jti } : undefined;
    case 'task':
      return str(e.task) ? { ...base, kind: 'task', task: e.task } : undefined;
    case 'agent':
      return { ...base, kind: 'agent' };
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
  readonly #agents = new Map<string, { atSeconds: number; until: number }>();

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
      case 'agent': {
        // A later agent revocation covers every token an earlier one did, so one record per
        // agent suffices: the latest `at`, the furthest `until`.
        const atSeconds = Math.floor(entry.at / 1000);
        const held = this.#agents.get(entry.agent);
        this.#agents.set(entry.agent, {
          atSeconds: Math.max(atSeconds, held?.atSeconds ?? atSeconds),
          until: Math.max(entry.until, held?.until ?? entry.until),
        });
        break;
      }
    }
  }

  /** Which kind of revocation covers the token, if any. */
  revokedBy(token: TokenIdentity): RevocationEntry['kind'] | undefined {
    if (this.#grants.has(token.jti)) return 'grant';
    if (this.#tasks.has(taskKey(token.sub, token.taskId))) return 'task';
    const agent = this.#agents.get(token.sub);
    if (agent && token.iat <= agent.atSeconds) return 'agent';
    return undefined;
  }

  /** Drops entries whose tokens have all expired by `nowSeconds`. */
  prune(nowSeconds: number): void {
    const horizon = nowSeconds - this.#graceSeconds;
    for (const [key, until] of this.#grants) if (until < horizon) this.#grants.delete(key);
    for (const [key, until] of this.#tasks) if (until < horizon) this.#tasks.delete(key);
    for (const [key, a] of this.#agents) if (a.until < horizon) this.#agents.delete(key);
  }

  /** Entries held, for metrics and tests. */
  get size(): number {
    return this.#grants.size + this.#tasks.size + this.#agents.size;
  }
}

function keepLatest(map: Map<string, number>, key: string, until: number): void {
  map.set(key, Math.max(until, map.get(key) ?? until));
}

/** Task ids are scoped to their agent, so the key holds both, split by a byte neither has. */
function taskKey(agent: string, task: string): string {
  return `${agent}\u0000${task}`;
}
