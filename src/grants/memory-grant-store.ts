import type { Clock } from '../platform/clock.js';
import type {
  GrantRecord,
  GrantStore,
  RecordGrantInput,
  RecordGrantResult,
  TaskState,
  TaskStatus,
} from './grant-store.js';

interface MemoryTask {
  status: TaskStatus;
  purpose: string;
  createdAt: number;
  exchanges: number;
  /** Epoch ms after which the task record is gone. */
  expiresAt: number;
  grants: Map<string, GrantRecord>;
}

interface MemoryAgent {
  tasks: Map<string, MemoryTask>;
  /** Epoch ms until which the agent is blocked, if it is. */
  blockedUntil?: number;
}

/**
 * The single-process {@link GrantStore}: the dev default. Expiry is evaluated lazily against
 * the injected clock, so it behaves like Redis TTLs without timers.
 */
export class MemoryGrantStore implements GrantStore {
  readonly #clock: Clock;
  readonly #agents = new Map<string, MemoryAgent>();

  constructor(options: { clock: Clock }) {
    this.#clock = options.clock;
  }

  getTask(agentId: string, taskId: string): Promise<TaskState | null> {
    const task = this.#task(agentId, taskId, this.#clock.now());
    return Promise.resolve(task ? snapshot(agentId, taskId, task, this.#clock.now()) : null);
  }

  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult> {
    const { grant, now } = input;
    const agent = this.#agent(grant.agentId);
    if (agent.blockedUntil !== undefined && agent.blockedUntil > now) {
      return Promise.resolve({ ok: false, refusal: { reason: 'agent_blocked' } });
    }
    let task = this.#task(grant.agentId, grant.taskId, now);
    if (task && task.status !== 'active') {
      return Promise.resolve({
        ok: false,
        refusal: { reason: 'task_not_active', status: task.status },
      });
    }
    if (!task) {
      task = {
        status: 'active',
        purpose: input.purpose,
        createdAt: now,
        exchanges: 0,
        expiresAt: now + input.maxTaskAgeSeconds * 1000,
        grants: new Map(),
      };
      agent.tasks.set(grant.taskId, task);
    }
    if (grant.expiresAt * 1000 > task.expiresAt) {
      return Promise.resolve({ ok: false, refusal: { reason: 'task_expired' } });
    }
    task.exchanges += 1;
    task.grants.set(grant.jti, grant);
    return Promise.resolve({ ok: true, task: snapshot(grant.agentId, grant.taskId, task, now) });
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#agents.clear();
    return Promise.resolve();
  }

  #agent(agentId: string): MemoryAgent {
    let agent = this.#agents.get(agentId);
    if (!agent) {
      agent = { tasks: new Map() };
      this.#agents.set(agentId, agent);
    }
    return agent;
  }

  /** The task if it has not expired; expired tasks are dropped, as a Redis TTL would. */
  #task(agentId: string, taskId: string, now: number): MemoryTask | undefined {
    const agent = this.#agents.get(agentId);
    const task = agent?.tasks.get(taskId);
    if (!task) return undefined;
    if (task.expiresAt <= now) {
      agent!.tasks.delete(taskId);
      return undefined;
    }
    return task;
  }
}

function snapshot(agentId: string, taskId: string, task: MemoryTask, now: number): TaskState {
  let liveGrants = 0;
  for (const [jti, grant] of task.grants) {
    if (grant.expiresAt * 1000 > now) liveGrants += 1;
    else task.grants.delete(jti);
  }
  return {
    agentId,
    taskId,
    status: task.status,
    purpose: task.purpose,
    createdAt: task.createdAt,
    exchanges: task.exchanges,
    liveGrants,
  };
}
