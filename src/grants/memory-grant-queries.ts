import type { Clock } from '../platform/clock.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  TaskFilter,
  TaskState,
} from './grant-records.js';
import type { GrantQueries } from './grant-queries.js';
import type { MemoryAgents } from './memory-agents.js';
import { describeTask } from './memory-state.js';

/** The {@link GrantQueries} of the memory store, over the agents the ledger keeps. */
export class MemoryGrantQueries implements GrantQueries {
  readonly #agents: MemoryAgents;
  readonly #clock: Clock;

  constructor(options: { agents: MemoryAgents; clock: Clock }) {
    this.#agents = options.agents;
    this.#clock = options.clock;
  }

  getGrant(agentId: string, jti: string): Promise<GrantLookup | null> {
    const now = this.#clock.now();
    for (const [taskId, task] of this.#agents.get(agentId)?.tasks ?? []) {
      const grant = task.grants.get(jti);
      if (!grant) continue;
      if (grant.expiresAt * 1000 <= now || !this.#agents.task(agentId, taskId, now))
        return Promise.resolve(null);
      return Promise.resolve({ grant, live: task.status === 'active', taskStatus: task.status });
    }
    return Promise.resolve(null);
  }

  listGrants(filter: GrantFilter, limit: number): Promise<GrantRecord[]> {
    const now = this.#clock.now();
    const out: GrantRecord[] = [];
    for (const [agentId, taskId, task] of this.#agents.tasks(filter.agentId, now)) {
      if (filter.taskId !== undefined && filter.taskId !== taskId) continue;
      for (const grant of task.grants.values()) {
        if (grant.expiresAt * 1000 <= now) continue;
        if (filter.audience !== undefined && grant.audience !== filter.audience) continue;
        out.push({ ...grant, agentId });
      }
    }
    return Promise.resolve(out.sort((a, b) => b.issuedAt - a.issuedAt).slice(0, limit));
  }

  listTasks(filter: TaskFilter, limit: number): Promise<TaskState[]> {
    const now = this.#clock.now();
    const out: TaskState[] = [];
    for (const [agentId, taskId, task] of this.#agents.tasks(filter.agentId, now)) {
      if (filter.status !== undefined && task.status !== filter.status) continue;
      out.push(describeTask(agentId, taskId, task, now));
    }
    return Promise.resolve(out.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit));
  }
}
