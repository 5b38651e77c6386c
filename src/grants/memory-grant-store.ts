import type { Clock } from '../platform/clock.js';
import { MemoryRevocationFeed } from '../revocation/memory-revocation-feed.js';
import type { RevocationKind } from '../revocation/revocation-entry.js';
import type {
  GrantRecord,
  GrantRefusal,
  RecordAttemptInput,
  RecordAttemptResult,
  RecordGrantInput,
  RecordGrantResult,
  RevokeResult,
  TaskState,
} from './grant-records.js';
import type { GrantStore } from './grant-store.js';
import { firstBrokenRule, type BrokenRule, type LoopLimits, type LoopTrip } from './loop-rules.js';
import { MemoryAgents } from './memory-agents.js';
import { MemoryGrantQueries } from './memory-grant-queries.js';
import { QueriesAndFeed } from './queries-and-feed.js';
import {
  countRate,
  describeTask,
  killTask,
  loopMeasures,
  grantIsLive,
  markSecond,
  slideWindow,
  statusOf,
  type MemoryAgent,
  type MemoryTask,
} from './memory-state.js';

/** Options of {@link MemoryGrantStore}. */
export interface MemoryGrantStoreOptions {
  readonly clock: Clock;
  /** How long revocation entries are kept, ms (at least the longest token life). */
  readonly revocationRetentionMs: number;
}

/**
 * The single-process {@link GrantStore}: the dev default. The ledger is here, the queries in
 * {@link MemoryGrantQueries}, the feed in {@link MemoryRevocationFeed}. Expiry is evaluated
 * lazily against the injected clock, so it behaves like Redis TTLs without timers. Every method
 * runs to completion without awaiting, so each is atomic as a Lua script is.
 */
export class MemoryGrantStore extends QueriesAndFeed implements GrantStore {
  readonly #clock: Clock;
  readonly #agents: MemoryAgents;
  readonly #feed: MemoryRevocationFeed;

  constructor(options: MemoryGrantStoreOptions) {
    const { clock } = options;
    const agents = new MemoryAgents();
    const feed = new MemoryRevocationFeed({ retentionMs: options.revocationRetentionMs, clock });
    super({ queries: new MemoryGrantQueries({ agents, clock }), feed });
    this.#clock = clock;
    this.#agents = agents;
    this.#feed = feed;
  }

  getTask(agentId: string, taskId: string): Promise<TaskState | null> {
    const now = this.#clock.now();
    const task = this.#agents.task(agentId, taskId, now);
    return ok(task ? describeTask(agentId, taskId, this.#agents.agent(agentId), task, now) : null);
  }

  // The steps run in the order in which refusals win (GrantLedger.recordGrant), as in
  // record-grant.lua.
  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult> {
    const { grant } = input;
    const result = this.#record(grant.agentId, grant.taskId, input, grant);
    return ok(result.ok ? { ...result, grant: result.grant ?? grant } : result);
  }

  recordAttempt(input: RecordAttemptInput): Promise<RecordAttemptResult> {
    const result = this.#record(input.agentId, input.taskId, input, undefined, input.cycle);
    return ok(result.ok ? { ok: true, task: result.task } : result);
  }

  /** recordGrant, or recordAttempt when `grant` is absent (counted, nothing granted). */
  #record(
    agentId: string,
    taskId: string,
    input: Omit<RecordGrantInput, 'grant'>,
    grant: GrantRecord | undefined,
    cycle = false,
  ): { ok: false; refusal: GrantRefusal } | { ok: true; task: TaskState; grant?: GrantRecord } {
    const { now } = input;
    const refuse = (refusal: GrantRefusal) => ({ ok: false as const, refusal });
    const agent = this.#agents.agent(agentId);
    if (agent.blockedUntil !== undefined && agent.blockedUntil > now)
      return refuse({ reason: 'agent_blocked' });
    const retryAfter = countRate(agent, input.rateLimit, now);
    if (retryAfter !== undefined)
      return refuse({ reason: 'rate_limited', retryAfterSeconds: retryAfter });
    let task = this.#agents.task(agentId, taskId, now);
    const status = task && statusOf(agent, task);
    if (task && status !== 'active') {
      return refuse({
        reason: 'task_not_active',
        status: status!,
        ...(task.halt && status === 'halted' ? { rule: task.halt.rule } : {}),
      });
    }
    // verifiers compare a token's `iat` second with an agent revocation's second
    if (Math.floor(now / 1000) <= markSecond(agent))
      return refuse({ reason: 'agent_revoked_now', retryAfterSeconds: 1 });
    if (!task) {
      const refusal = this.#liveTaskBound(agent, input.maxLiveTasks, now);
      if (refusal) return refuse(refusal);
      task = {
        status: 'active',
        purpose: input.purpose,
        createdAt: now,
        since: now,
        grantsRecorded: 0,
        expiresAt: now + input.maxTaskAgeSeconds * 1000,
        grants: new Map(),
        window: [],
        budgetBase: 0,
        ageBase: now,
        ...parentOf(grant),
      };
      agent.tasks.set(taskId, task);
      agent.latestEnd = Math.max(agent.latestEnd, task.expiresAt);
    }
    // A grant never outlives its task: the task's end is where every token of it stops.
    const expiresAt = grant && Math.min(grant.expiresAt, Math.floor(task.expiresAt / 1000));
    if (expiresAt !== undefined && expiresAt * 1000 <= now)
      return refuse({ reason: 'task_expired' });
    const fp = input.fingerprint ?? '';
    if (input.loops) {
      slideWindow(task, input.loops, now);
      const broken = firstBrokenRule(loopMeasures(task, input.loops, fp, now, cycle));
      if (broken)
        return refuse({
          reason: 'loop_tripped',
          trip: this.#trip(agentId, task, input.loops, broken, now),
        });
      task.window.push({ at: now, fp });
    }
    if (!grant || expiresAt === undefined)
      return { ok: true, task: describeTask(agentId, taskId, agent, task, now) };
    const recorded = { ...grant, expiresAt };
    task.grantsRecorded += 1;
    task.grants.set(grant.jti, recorded);
    return { ok: true, task: describeTask(agentId, taskId, agent, task, now), grant: recorded };
  }

  /** The refusal of a new task when the agent holds `max` active tasks already. */
  #liveTaskBound(
    agent: MemoryAgent,
    max: number | undefined,
    now: number,
  ): GrantRefusal | undefined {
    if (max === undefined) return undefined;
    let count = 0;
    let firstEnd = Infinity;
    for (const task of agent.tasks.values()) {
      if (task.expiresAt <= now || statusOf(agent, task) !== 'active') continue;
      count += 1;
      firstEnd = Math.min(firstEnd, task.expiresAt);
    }
    if (count < max) return undefined;
    return {
      reason: 'too_many_tasks',
      limit: max,
      retryAfterSeconds: Math.max(1, Math.ceil((firstEnd - now) / 1000)),
    };
  }

  /** Halts the task, revokes its grants, and blocks the agent past its halted-task limit. */
  #trip(
    agentId: string,
    task: MemoryTask,
    loops: LoopLimits,
    broken: BrokenRule,
    now: number,
  ): LoopTrip {
    const agent = this.#agents.agent(agentId);
    const { live } = killTask(task, 'halted', now);
    task.window = [];
    const window = broken.windowSeconds === undefined ? '' : ` in ${broken.windowSeconds}s`;
    const reason = `loop rule ${broken.rule}: ${broken.count} > ${broken.limit}${window}`;
    task.halt = { rule: broken.rule, reason, at: now };
    // One grant entry per revoked token, not a task entry: a task entry would also revoke the
    // tokens the task gets after an operator resumes it, for as long as the entry lasts.
    for (const g of live)
      this.#append(now, 'grant', agentId, { jti: g.jti, aud: g.audience }, g.expiresAt, reason);
    agent.halts = [...agent.halts.filter((at) => at > now - loops.agentWindowMs), now];
    const trip: LoopTrip = { ...broken, revoked: live.length, haltedTasks: agent.halts.length };
    if (agent.halts.length <= loops.maxHaltedTasks) return trip;
    agent.blockedUntil = now + loops.blockForMs;
    const rest = this.#revokeAgent(
      agentId,
      `blocked: ${agent.halts.length} tasks halted in ${Math.floor(loops.agentWindowMs / 1000)}s`,
      now,
      false,
    );
    return { ...trip, revoked: trip.revoked + rest.revoked, blockedUntil: agent.blockedUntil };
  }

  revokeGrant(agentId: string, jti: string, reason: string): Promise<RevokeResult> {
    const now = this.#clock.now();
    const agent = this.#agents.get(agentId);
    for (const task of agent?.tasks.values() ?? []) {
      const grant = task.grants.get(jti);
      if (!grant) continue;
      task.grants.delete(jti);
      // expired, or already dead with its task or its agent's revocation
      if (!grantIsLive(agent!, task, grant, now)) break;
      const target = { jti, aud: grant.audience };
      const entry = this.#append(now, 'grant', agentId, target, grant.expiresAt, reason);
      return ok({ revoked: 1, entry });
    }
    return ok({ revoked: 0, entry: null });
  }

  endTask(
    agentId: string,
    taskId: string,
    status: 'completed' | 'revoked',
    reason: string,
  ): Promise<RevokeResult | null> {
    const now = this.#clock.now();
    const task = this.#agents.task(agentId, taskId, now);
    if (!task) return ok(null);
    const wasActive = statusOf(this.#agents.agent(agentId), task) === 'active';
    const { live, until } = killTask(task, status, now);
    return ok({
      revoked: wasActive ? live.length : 0,
      entry: this.#append(now, 'task', agentId, { task: taskId }, until, reason),
    });
  }

  revokeAgent(agentId: string, reason: string): Promise<RevokeResult> {
    return ok(this.#revokeAgent(agentId, reason, this.#clock.now()));
  }

  blockAgent(agentId: string, until: number, reason: string): Promise<RevokeResult> {
    const now = this.#clock.now();
    this.#agents.agent(agentId).blockedUntil = until;
    return ok(this.#revokeAgent(agentId, reason, now));
  }

  unblockAgent(agentId: string): Promise<boolean> {
    const agent = this.#agents.get(agentId);
    const was = agent?.blockedUntil !== undefined && agent.blockedUntil > this.#clock.now();
    if (agent) delete agent.blockedUntil;
    return ok(was);
  }

  blockedUntil(agentId: string): Promise<number | null> {
    const until = this.#agents.get(agentId)?.blockedUntil;
    return ok(until !== undefined && until > this.#clock.now() ? until : null);
  }

  resumeTask(agentId: string, taskId: string): Promise<TaskState | null> {
    const now = this.#clock.now();
    const task = this.#agents.task(agentId, taskId, now);
    if (!task) return ok(null);
    const agent = this.#agents.agent(agentId);
    if (statusOf(agent, task) === 'halted') {
      // loop budgets start afresh from here, or the next exchange would trip again at once
      task.status = 'active';
      task.since = now;
      delete task.halt;
      task.window = [];
      task.budgetBase = task.grantsRecorded;
      task.ageBase = now;
    }
    return ok(describeTask(agentId, taskId, agent, task, now));
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#agents.clear();
    this.#feed.close();
    return Promise.resolve();
  }

  /**
   * Revokes the agent's active tasks (and halted ones with `includeHalted`) and marks the time,
   * as markAgent in lib.lua: no grant is recorded for the agent in this second. The memory
   * store kills the tasks at once; what anyone observes is the same as the Redis store's mark.
   */
  #revokeAgent(agentId: string, reason: string, now: number, includeHalted = true): RevokeResult {
    const agent = this.#agents.agent(agentId);
    const mark = includeHalted ? 'all' : 'active';
    agent.marks[mark] = Math.max(agent.marks[mark], now);
    let revoked = 0;
    let until = Math.floor(now / 1000);
    for (const [, , task] of this.#agents.tasks(agentId, now)) {
      if (task.status !== 'active' && !(includeHalted && task.status === 'halted')) continue;
      const killed = killTask(task, 'revoked', now);
      revoked += killed.live.length;
      until = Math.max(until, killed.until);
    }
    return { revoked, entry: this.#append(now, 'agent', agentId, {}, until, reason) };
  }

  #append(
    now: number,
    kind: RevocationKind,
    agent: string,
    target: { task?: string; jti?: string; aud?: string },
    until: number,
    reason: string,
  ) {
    return this.#feed.append({ kind, agent, ...target, at: now, until, reason }, now);
  }
}

/** The task a delegated grant starts names the task of its parent token. */
function parentOf(grant: GrantRecord | undefined): {
  parent?: { agentId: string; taskId: string };
} {
  const parent = grant?.delegation?.lineage.at(-1);
  return parent ? { parent: { agentId: parent.client_id, taskId: parent.task } } : {};
}

function ok<T>(value: T): Promise<T> {
  return Promise.resolve(value);
}
