import type { MemoryAgent, MemoryTask } from './memory-state.js';

/**
 * The agents of the memory store and their tasks. Expired tasks are dropped as they are met,
 * as a Redis TTL would drop them.
 */
export class MemoryAgents {
  readonly #agents = new Map<string, MemoryAgent>();

  /** The agent, if the store has met it. */
  get(agentId: string): MemoryAgent | undefined {
    return this.#agents.get(agentId);
  }

  /** The agent, created empty when the store has not met it yet. */
  agent(agentId: string): MemoryAgent {
    let agent = this.#agents.get(agentId);
    if (!agent) {
      agent = { tasks: new Map(), halts: [], marks: { all: 0, active: 0 }, latestEnd: 0 };
      this.#agents.set(agentId, agent);
    }
    return agent;
  }

  /** The task if it has not expired. */
  task(agentId: string, taskId: string, now: number): MemoryTask | undefined {
    const agent = this.#agents.get(agentId);
    const task = agent?.tasks.get(taskId);
    if (!task) return undefined;
    if (task.expiresAt <= now) {
      agent!.tasks.delete(taskId);
      return undefined;
    }
    return task;
  }

  /** Every unexpired task, of one agent or of all: `[agentId, taskId, task]`. */
  *tasks(agentId: string | undefined, now: number): Generator<[string, string, MemoryTask]> {
    const agents = agentId === undefined ? [...this.#agents.keys()] : [agentId];
    for (const id of agents) {
      for (const taskId of [...(this.#agents.get(id)?.tasks.keys() ?? [])]) {
        const task = this.task(id, taskId, now);
        if (task) yield [id, taskId, task];
      }
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#agents.clear();
  }
}
