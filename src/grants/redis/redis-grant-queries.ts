import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock.js';
import { guarded } from '../../platform/store-unavailable.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  TaskFilter,
  TaskState,
} from '../grant-records.js';
import type { GrantQueries } from '../grant-queries.js';
import type { KeyLayout } from './key-layout.js';
import { toGrant, toTask } from './script-replies.js';
import type { ScriptRunner } from './script-runner.js';
import { STORE_SCRIPTS } from './store-scripts.js';

/** Most agents a cross-agent listing visits: the operator API is not a reporting tool. */
const MAX_AGENTS_SCANNED = 10_000;

/** Options of {@link RedisGrantQueries}. */
export interface RedisGrantQueriesOptions {
  readonly redis: Redis;
  readonly scripts: ScriptRunner;
  readonly keys: KeyLayout;
  readonly clock: Clock;
}

/** The {@link GrantQueries} of the Redis store: one read script per agent visited. */
export class RedisGrantQueries implements GrantQueries {
  readonly #o: RedisGrantQueriesOptions;

  constructor(options: RedisGrantQueriesOptions) {
    this.#o = options;
  }

  getGrant(agentId: string, jti: string): Promise<GrantLookup | null> {
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

  listGrants(filter: GrantFilter, limit: number): Promise<GrantRecord[]> {
    return guarded(async () => {
      const out: GrantRecord[] = [];
      for (const agentId of await this.#agentIds(filter.agentId)) {
        for (const { grants } of await this.#listAgent(agentId, filter.taskId)) {
          for (const grant of grants) {
            if (filter.audience === undefined || grant.audience === filter.audience)
              out.push(grant);
          }
        }
      }
      return out.sort((a, b) => b.issuedAt - a.issuedAt).slice(0, limit);
    });
  }

  listTasks(filter: TaskFilter, limit: number): Promise<TaskState[]> {
    return guarded(async () => {
      const out: TaskState[] = [];
      for (const agentId of await this.#agentIds(filter.agentId)) {
        for (const { task } of await this.#listAgent(agentId, undefined)) {
          if (filter.status === undefined || task.status === filter.status) out.push(task);
        }
      }
      return out.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    });
  }

  async #listAgent(
    agentId: string,
    taskId: string | undefined,
  ): Promise<{ task: TaskState; grants: GrantRecord[] }[]> {
    const now = this.#o.clock.now();
    const reply = await this.#o.scripts.run(STORE_SCRIPTS.listAgent, agentId, {
      now,
      ...(taskId !== undefined ? { task: taskId } : {}),
    });
    return reply.tasks.map((item) => ({
      task: toTask(item.task),
      grants: item.grants.map((g) => toGrant(agentId, g)),
    }));
  }

  /** The agent asked for, or every agent with state under this prefix. */
  async #agentIds(agentId: string | undefined): Promise<string[]> {
    if (agentId !== undefined) return [agentId];
    const { redis, keys } = this.#o;
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', keys.agentIdPattern, 'COUNT', 500);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0' && found.length < MAX_AGENTS_SCANNED);
    if (found.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const key of found) pipeline.get(key);
    const ids = (await pipeline.exec()) ?? [];
    return [
      ...new Set(ids.map(([, id]) => id).filter((id): id is string => typeof id === 'string')),
    ];
  }
}
