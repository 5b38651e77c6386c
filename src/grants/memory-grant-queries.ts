import { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  Page,
  PageRequest,
  TaskFilter,
  TaskState,
} from './grant-records.js';
import type { GrantQueries } from './grant-queries.js';
import type { MemoryAgents } from './memory-agents.js';
import { describeTask, grantIsLive, liveGrants, markSecond, statusOf } from './memory-state.js';
import { withLiveLineage } from './lineage.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

/** A memory listing's cursor: how many items the pages before held. */
const cursorSchema = z.strictObject({ offset: z.number().int().nonnegative() });

/**
 * The {@link GrantQueries} of the memory store, over the agents the ledger keeps, in the order
 * of the Redis store: agents by their latest task end, newest first; an agent's tasks by their
 * end, newest first; a task's grants by expiry, then id.
 */
export class MemoryGrantQueries implements GrantQueries {
  readonly #agents: MemoryAgents;
  readonly #clock: Clock;

  constructor(options: { agents: MemoryAgents; clock: Clock }) {
    this.#agents = options.agents;
    this.#clock = options.clock;
  }

  async getGrant(agentId: string, jti: string): Promise<GrantLookup | null> {
    return withLiveLineage(await this.#lookup(agentId, jti), (a, j) => this.#lookup(a, j));
  }

  /** One grant as stored, its lineage not looked at. */
  #lookup(agentId: string, jti: string): Promise<GrantLookup | null> {
    const now = this.#clock.now();
    const agent = this.#agents.get(agentId);
    for (const [taskId, task] of agent?.tasks ?? []) {
      const grant = task.grants.get(jti);
      if (!grant) continue;
      if (grant.expiresAt * 1000 <= now || !this.#agents.task(agentId, taskId, now))
        return Promise.resolve(null);
      // dead with its task or its agent's revocation: as gone as a deleted grant
      if (!grantIsLive(agent!, task, grant, now)) return Promise.resolve(null);
      return Promise.resolve({ grant, live: true, taskStatus: statusOf(agent!, task) });
    }
    return Promise.resolve(null);
  }

  listGrants(filter: GrantFilter, page: PageRequest): Promise<Page<GrantRecord>> {
    const now = this.#clock.now();
    const out: GrantRecord[] = [];
    for (const [agentId, taskId, agent, task] of this.#tasks(filter.agentId, now)) {
      if (filter.taskId !== undefined && filter.taskId !== taskId) continue;
      if (statusOf(agent, task) !== 'active') continue;
      for (const grant of liveGrants(task, now)) {
        if (filter.audience !== undefined && grant.audience !== filter.audience) continue;
        if (grant.issuedAt <= markSecond(agent)) continue;
        out.push({ ...grant, agentId });
      }
    }
    return settled(() => pageOf(out, page));
  }

  listTasks(filter: TaskFilter, page: PageRequest): Promise<Page<TaskState>> {
    const now = this.#clock.now();
    const out: TaskState[] = [];
    for (const [agentId, taskId, agent, task] of this.#tasks(filter.agentId, now)) {
      const state = describeTask(agentId, taskId, agent, task, now);
      if (filter.status === undefined || state.status === filter.status) out.push(state);
    }
    return settled(() => pageOf(out, page));
  }

  /** Unexpired tasks in listing order: `[agentId, taskId, agent, task]`. */
  #tasks(agentId: string | undefined, now: number) {
    const rows = [...this.#agents.tasks(agentId, now)].map(
      ([id, taskId, task]) => [id, taskId, this.#agents.agent(id), task] as const,
    );
    return rows.sort(
      ([a, at, aa, ta], [b, bt, ab, tb]) =>
        ab.latestEnd - aa.latestEnd ||
        descending(a, b) ||
        tb.expiresAt - ta.expiresAt ||
        descending(at, bt),
    );
  }
}

/** Orders text as Redis orders members of equal score in a reverse range: larger first. */
function descending(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function pageOf<T>(all: T[], page: PageRequest): Page<T> {
  const offset = page.cursor === undefined ? 0 : decodeCursor(cursorSchema, page.cursor).offset;
  const end = offset + page.limit;
  return {
    items: all.slice(offset, end),
    ...(end < all.length ? { next: encodeCursor({ offset: end }) } : {}),
  };
}

/** `f`'s value, or its throw as a rejection, as a store call answers. */
function settled<T>(f: () => T): Promise<T> {
  return new Promise((resolve) => resolve(f()));
}
