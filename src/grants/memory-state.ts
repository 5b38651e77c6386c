import type { GrantRecord, HaltInfo, TaskState, TaskStatus } from './grant-store.js';
import type { LoopLimits, LoopRule, RateLimit } from './loop-rules.js';

// The memory store's records and the rules it applies to them, mirroring the Redis scripts.

/** A task as the memory store holds it. */
export interface MemoryTask {
  status: TaskStatus;
  purpose: string;
  createdAt: number;
  exchanges: number;
  /** Epoch ms after which the task record is gone. */
  expiresAt: number;
  grants: Map<string, GrantRecord>;
  halt?: HaltInfo;
  /** Recent exchanges for the window rules: time and intent fingerprint. */
  window: { at: number; fp: string }[];
  /** `exchanges` and time at the last resume: loop budgets count from there. */
  budgetBase: number;
  ageBase: number;
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
}

/** Ends a task and drops its grants; returns how many were live and when the last expires. */
export function killTask(
  task: MemoryTask,
  status: TaskStatus,
  now: number,
): { revoked: number; until: number } {
  let revoked = 0;
  let until = Math.floor(now / 1000);
  for (const grant of task.grants.values()) {
    if (grant.expiresAt * 1000 <= now) continue;
    revoked += 1;
    until = Math.max(until, grant.expiresAt);
  }
  task.grants.clear();
  task.status = status;
  delete task.halt;
  return { revoked, until };
}

/** The task as the store port shows it; drops expired grants on the way. */
export function snapshot(
  agentId: string,
  taskId: string,
  task: MemoryTask,
  now: number,
): TaskState {
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
    expiresAt: task.expiresAt,
    exchanges: task.exchanges,
    liveGrants,
    ...(task.halt ? { halt: task.halt } : {}),
  };
}

/** A loop rule that an exchange would break, with the numbers that broke it. */
export interface BrokenRule {
  readonly rule: LoopRule;
  readonly count: number;
  readonly limit: number;
  readonly windowSeconds?: number;
}

/** The first loop rule the next exchange of `task` would break, in the Redis script's order. */
export function checkLoopRules(
  task: MemoryTask,
  loops: LoopLimits,
  fp: string,
  now: number,
): BrokenRule | undefined {
  task.window = task.window.filter((e) => e.at > now - loops.windowMs);
  const windowSeconds = loops.windowMs / 1000;
  const inWindow = task.window.length + 1;
  if (inWindow > loops.maxExchanges)
    return { rule: 'max_exchanges', count: inWindow, limit: loops.maxExchanges, windowSeconds };
  const identical = task.window.filter((e) => e.fp === fp).length + 1;
  if (identical > loops.maxIdentical)
    return { rule: 'max_identical', count: identical, limit: loops.maxIdentical, windowSeconds };
  const grants = task.exchanges - task.budgetBase + 1;
  if (grants > loops.maxGrants)
    return { rule: 'max_grants', count: grants, limit: loops.maxGrants };
  let live = 1;
  for (const g of task.grants.values()) if (g.expiresAt * 1000 > now) live += 1;
  if (live > loops.maxLiveGrants)
    return { rule: 'max_live_grants', count: live, limit: loops.maxLiveGrants };
  const age = now - task.ageBase;
  if (age > loops.maxTaskAgeMs) {
    return {
      rule: 'max_task_age',
      count: Math.floor(age / 1000),
      limit: Math.floor(loops.maxTaskAgeMs / 1000),
    };
  }
  return undefined;
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
