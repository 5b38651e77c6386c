import type { GrantRecord, HaltInfo, TaskState, TaskStatus } from './grant-records.js';
import type { LoopLimits, LoopMeasure, LoopRule, RateLimit } from './loop-rules.js';

// The memory store's records and the rules it applies to them, the same as the Redis scripts.

/** A task as the memory store holds it. */
export interface MemoryTask {
  status: TaskStatus;
  purpose: string;
  createdAt: number;
  grantsRecorded: number;
  /** Epoch ms after which the task record is gone. */
  expiresAt: number;
  grants: Map<string, GrantRecord>;
  halt?: HaltInfo;
  /** Recent exchanges for the window rules: time and intent fingerprint. */
  window: { at: number; fp: string }[];
  /** `grantsRecorded` and time at the last resume: loop budgets count from there. */
  budgetBase: number;
  ageBase: number;
  /** Creation or last resume, epoch ms: an agent revocation after it revokes the task. */
  since: number;
  /** Started by a delegated grant: the task of its parent token. */
  parent?: { agentId: string; taskId: string };
}

/** An agent as the memory store holds it. */
export interface MemoryAgent {
  tasks: Map<string, MemoryTask>;
  /** Epoch ms until which the agent is blocked, if it is. */
  blockedUntil?: number;
  /** When its tasks were halted by loop rules, epoch ms. */
  halts: number[];
  /** Exchange count of the current rate-limit window. */
  rate?: { slot: number; count: number };
  /** Epoch ms of the last revocation of everything (`all`) or of active tasks (`active`). */
  marks: { all: number; active: number };
  /** Latest end of a task the agent started, epoch ms: its place in listings across agents. */
  latestEnd: number;
}

/** The second of the agent's latest revocation: grants issued in or before it are dead. */
export function markSecond(agent: MemoryAgent): number {
  return Math.floor(Math.max(agent.marks.all, agent.marks.active) / 1000);
}

/** The task's status as the agent's revocation marks make it (as loadTask in lib.lua). */
export function statusOf(agent: MemoryAgent, task: MemoryTask): TaskStatus {
  if (task.status !== 'active' && task.status !== 'halted') return task.status;
  if (task.since <= agent.marks.all) return 'revoked';
  if (task.status === 'active' && task.since <= agent.marks.active) return 'revoked';
  return task.status;
}

/** True when the grant's token is live: its task active and it issued after any revocation. */
export function grantIsLive(
  agent: MemoryAgent,
  task: MemoryTask,
  grant: GrantRecord,
  now: number,
): boolean {
  return (
    grant.expiresAt * 1000 > now &&
    statusOf(agent, task) === 'active' &&
    grant.issuedAt > markSecond(agent)
  );
}

/** The task's unexpired grants, by expiry then id (the order Redis keeps them in). */
export function liveGrants(task: MemoryTask, now: number): GrantRecord[] {
  return [...task.grants.values()]
    .filter((g) => g.expiresAt * 1000 > now)
    .sort((a, b) => a.expiresAt - b.expiresAt || (a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0));
}

function countLive(task: MemoryTask, now: number): number {
  let live = 0;
  for (const g of task.grants.values()) if (g.expiresAt * 1000 > now) live += 1;
  return live;
}

/**
 * Ends a task and drops its grants; returns the grants that were live and when the last of them
 * expires (epoch s, `now` when none).
 */
export function killTask(
  task: MemoryTask,
  status: TaskStatus,
  now: number,
): { live: GrantRecord[]; until: number } {
  const live = liveGrants(task, now);
  const until = Math.max(Math.floor(now / 1000), ...live.map((g) => g.expiresAt));
  task.grants.clear();
  task.status = status;
  delete task.halt;
  return { live, until };
}

/** Deletes the task's expired grants (as Redis key TTLs would); returns how many are live. */
export function dropExpiredGrants(task: MemoryTask, now: number): number {
  let live = 0;
  for (const [jti, grant] of task.grants) {
    if (grant.expiresAt * 1000 > now) live += 1;
    else task.grants.delete(jti);
  }
  return live;
}

/** The task as the store ports show it, after dropping its expired grants. */
export function describeTask(
  agentId: string,
  taskId: string,
  agent: MemoryAgent,
  task: MemoryTask,
  now: number,
): TaskState {
  const status = statusOf(agent, task);
  const live = dropExpiredGrants(task, now);
  return {
    agentId,
    taskId,
    status,
    purpose: task.purpose,
    createdAt: task.createdAt,
    expiresAt: task.expiresAt,
    grantsRecorded: task.grantsRecorded,
    liveGrants: status === 'active' ? live : 0,
    ...(task.halt && status === 'halted' ? { halt: task.halt } : {}),
    ...(task.parent ? { parent: task.parent } : {}),
  };
}

/** Drops the exchanges that left the sliding window of the window rules. */
export function slideWindow(task: MemoryTask, loops: LoopLimits, now: number): void {
  task.window = task.window.filter((e) => e.at > now - loops.windowMs);
}

/** Every loop rule's numbers if `task` recorded one more exchange now (window slid first). */
export function loopMeasures(
  task: MemoryTask,
  loops: LoopLimits,
  fp: string,
  now: number,
  cycle = false,
): Record<LoopRule, LoopMeasure> {
  const windowSeconds = loops.windowMs / 1000;
  const age = now - task.ageBase;
  return {
    delegation_cycle: { count: cycle ? 1 : 0, limit: 0 },
    max_exchanges: { count: task.window.length + 1, limit: loops.maxExchanges, windowSeconds },
    max_identical: {
      count: task.window.filter((e) => e.fp === fp).length + 1,
      limit: loops.maxIdentical,
      windowSeconds,
    },
    max_grants: { count: task.grantsRecorded - task.budgetBase + 1, limit: loops.maxGrants },
    max_live_grants: { count: countLive(task, now) + 1, limit: loops.maxLiveGrants },
    max_task_age: {
      count: Math.floor(age / 1000),
      limit: Math.floor(loops.maxTaskAgeMs / 1000),
      over: age > loops.maxTaskAgeMs,
    },
  };
}

/** Counts one exchange against the agent's rate; the Retry-After seconds when over it. */
export function countRate(
  agent: MemoryAgent,
  limit: RateLimit | undefined,
  now: number,
): number | undefined {
  if (!limit || limit.max <= 0) return undefined;
  const slot = Math.floor(now / limit.windowMs);
  if (agent.rate?.slot !== slot) agent.rate = { slot, count: 0 };
  agent.rate.count += 1;
  if (agent.rate.count <= limit.max) return undefined;
  return Math.max(1, Math.ceil(((slot + 1) * limit.windowMs - now) / 1000));
}
