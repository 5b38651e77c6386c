import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { guarded } from '../../platform/store-unavailable.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  Page,
  PageRequest,
  TaskFilter,
  TaskState,
} from '../grant-records.js';
import type { GrantQueries } from '../grant-queries.js';
import { withLiveLineage } from '../lineage.js';
import { decodeCursor, encodeCursor } from '../page-cursor.js';
import type { KeyLayout } from './key-layout.js';
import type { ListPageArgs, PagePosition } from './script-args.js';
import { toGrant, toTask, type GrantReply, type TaskReply } from './script-replies.js';
import type { ScriptRunner } from './script-runner.js';
import { STORE_SCRIPTS } from './store-scripts.js';

type ListItem = TaskReply | GrantReply;

/** Most tasks one script call visits, and most script calls one page makes. */
const TASKS_PER_CALL = 256;
const CALLS_PER_PAGE = 16;

const position = z.strictObject({ score: z.number(), task: z.string(), skip: z.number().int() });
/** A Redis listing's cursor: the agent reached (across agents) and the position inside it. */
const cursorSchema = z.strictObject({
  agent: z.string().optional(),
  score: z.number().optional(),
  at: position.optional(),
});
type Cursor = z.output<typeof cursorSchema>;

/** Options of {@link RedisGrantQueries}. */
export interface RedisGrantQueriesOptions {
  readonly redis: Redis;
  readonly scripts: ScriptRunner;
  readonly keys: KeyLayout;
  readonly clock: Clock;
}

/**
 * The {@link GrantQueries} of the Redis store. A page costs Redis a bounded amount of work
 * whatever the agents' histories: at most {@link CALLS_PER_PAGE} script calls, each visiting at
 * most {@link TASKS_PER_CALL} tasks (list-page.lua); agents come from the `agents` index.
 */
export class RedisGrantQueries implements GrantQueries {
  readonly #o: RedisGrantQueriesOptions;

  constructor(options: RedisGrantQueriesOptions) {
    this.#o = options;
  }

  async getGrant(agentId: string, jti: string): Promise<GrantLookup | null> {
    return withLiveLineage(await this.#lookup(agentId, jti), (a, j) => this.#lookup(a, j));
  }

  /** One grant as stored, its lineage not looked at. */
  #lookup(agentId: string, jti: string): Promise<GrantLookup | null> {
    return guarded(async () => {
      const now = this.#o.clock.now();
      const reply = await this.#o.scripts.run(STORE_SCRIPTS.getGrant, agentId, { now, jti });
      if (!reply.grant) return null;
      return {
        grant: toGrant(agentId, reply.grant),
        live: reply.status === 'active',
        taskStatus: reply.status ?? null,
      };
    });
  }

  async listGrants(filter: GrantFilter, page: PageRequest): Promise<Page<GrantRecord>> {
    const found = await this.#page(filter.agentId, page, {
      what: 'grants',
      ...(filter.taskId !== undefined ? { task: filter.taskId } : {}),
      ...(filter.audience !== undefined ? { aud: filter.audience } : {}),
    });
    return {
      items: found.items.flatMap(({ agentId, item }) =>
        'jti' in item ? [toGrant(agentId, item)] : [],
      ),
      ...(found.next !== undefined ? { next: found.next } : {}),
    };
  }

  async listTasks(filter: TaskFilter, page: PageRequest): Promise<Page<TaskState>> {
    const found = await this.#page(filter.agentId, page, {
      what: 'tasks',
      ...(filter.status !== undefined ? { status: filter.status } : {}),
    });
    return {
      items: found.items.flatMap(({ agentId, item }) =>
        'jti' in item ? [] : [toTask(agentId, item)],
      ),
      ...(found.next !== undefined ? { next: found.next } : {}),
    };
  }

  /** One page: of one agent when `agentId` is set, else across agents from the index. */
  #page(
    agentId: string | undefined,
    page: PageRequest,
    query: Pick<ListPageArgs, 'what' | 'task' | 'status' | 'aud'>,
  ): Promise<{ items: { agentId: string; item: ListItem }[]; next?: string }> {
    const cursor: Cursor = page.cursor === undefined ? {} : decodeCursor(cursorSchema, page.cursor);
    return guarded(async () => {
      const items: { agentId: string; item: ListItem }[] = [];
      const run = async (agent: string, at: PagePosition | undefined) => {
        const reply = await this.#o.scripts.run(STORE_SCRIPTS.listPage, agent, {
          now: this.#o.clock.now(),
          ...query,
          limit: page.limit - items.length,
          budget: TASKS_PER_CALL,
          ...(at ? { after: at } : {}),
        });
        for (const item of reply.items) items.push({ agentId: agent, item });
        return reply.next;
      };
      if (agentId !== undefined) {
        const next = await run(agentId, cursor.at);
        return { items, ...(next ? { next: encodeCursor({ at: next }) } : {}) };
      }
      let calls = 0;
      let after =
        cursor.agent === undefined ? undefined : { agent: cursor.agent, score: cursor.score ?? 0 };
      let inside = cursor.at;
      for (const [agent, score] of await this.#agentsFrom(after, inside !== undefined)) {
        const next = await run(agent, inside);
        inside = undefined;
        calls += 1;
        if (next) return { items, next: encodeCursor({ agent, score, at: next }) };
        after = { agent, score };
        if (items.length >= page.limit || calls >= CALLS_PER_PAGE)
          return { items, next: encodeCursor(after) };
      }
      return { items };
    });
  }

  /**
   * Up to {@link CALLS_PER_PAGE} agents of the index with unexpired tasks, latest first, from
   * `after` (itself included when the page goes on inside it).
   */
  async #agentsFrom(
    after: { agent: string; score: number } | undefined,
    including: boolean,
  ): Promise<[string, number][]> {
    const { redis, keys, clock } = this.#o;
    let start = 0;
    if (after) {
      const [rank, score] = await Promise.all([
        redis.zrevrank(keys.agents, after.agent),
        redis.zscore(keys.agents, after.agent),
      ]);
      start =
        rank !== null && Number(score) === after.score
          ? rank + (including ? 0 : 1)
          : await redis.zcount(keys.agents, `(${after.score}`, '+inf');
    }
    const flat = await redis.zrevrange(
      keys.agents,
      start,
      start + CALLS_PER_PAGE - 1,
      'WITHSCORES',
    );
    const now = clock.now();
    const out: [string, number][] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const score = Number(flat[i + 1]);
      if (score <= now) break;
      out.push([flat[i]!, score]);
    }
    return out;
  }
}
