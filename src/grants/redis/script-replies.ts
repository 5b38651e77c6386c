import type { ScopeClass } from '../../config/schema.js';
import type {
  GrantRecord,
  GrantRefusal,
  RecordGrantInput,
  RecordGrantResult,
  TaskState,
  TaskStatus,
} from '../grant-store.js';
import type { LoopRule } from '../loop-rules.js';

// What the Lua scripts answer (JSON), and the store's types made from it.

/** A task as the Lua scripts return it (hash fields are strings). */
export interface TaskView {
  task: string;
  agent: string;
  status: TaskStatus;
  purpose: string;
  created: string;
  expires: string;
  exchanges: string | number;
  live: number;
  halt_rule?: string;
  halt_reason?: string;
  halt_at?: string;
}

/** A grant hash as the scripts return it. */
export interface GrantView {
  jti?: string;
  task: string;
  res: string;
  aud: string;
  scope: string;
  tier: string;
  targets: string;
  iat: string;
  exp: string;
}

/** The reply of the record-grant script. */
export interface RecordReply {
  ok?: true;
  task?: TaskView;
  /** The recorded expiry (epoch s), clamped to the task's end. */
  exp?: number;
  refusal?: 'agent_blocked' | 'task_not_active' | 'task_expired' | 'rate_limited' | 'loop_tripped';
  status?: TaskStatus;
  rule?: LoopRule;
  retry_after?: number;
  count?: number;
  limit?: number;
  window?: number;
  revoked?: number;
  halted_tasks?: number;
  blocked_until?: number;
}

/** The reply of a revoking script: live grants killed, and the feed entry's id and `until`. */
export interface RevokeView {
  revoked: number;
  id?: string;
  until?: number;
}

/** A task reply as the store's {@link TaskState}. */
export function toTask(view: TaskView): TaskState {
  return {
    agentId: view.agent,
    taskId: view.task,
    status: view.status,
    purpose: view.purpose,
    createdAt: Number(view.created),
    expiresAt: Number(view.expires),
    exchanges: Number(view.exchanges),
    liveGrants: Number(view.live),
    ...(view.halt_rule
      ? {
          halt: {
            rule: view.halt_rule,
            reason: view.halt_reason ?? '',
            at: Number(view.halt_at),
          },
        }
      : {}),
  };
}

/** A grant hash as the store's {@link GrantRecord}. */
export function toGrant(agentId: string, view: GrantView): GrantRecord {
  return {
    jti: view.jti!,
    agentId,
    taskId: view.task,
    resource: view.res,
    audience: view.aud,
    scopes: view.scope.split(' ').filter((s) => s.length > 0),
    tier: view.tier as ScopeClass,
    targets: JSON.parse(view.targets) as string[],
    issuedAt: Number(view.iat),
    expiresAt: Number(view.exp),
  };
}

/** ARGV 15-27 of the record-grant script: loop rules, rate limit, fingerprint. */
export function loopArgs(input: RecordGrantInput): string[] {
  const l = input.loops;
  const loops = l
    ? [
        '1',
        l.windowMs,
        l.maxExchanges,
        l.maxIdentical,
        l.maxGrants,
        l.maxLiveGrants,
        l.maxTaskAgeMs,
        l.agentWindowMs,
        l.maxHaltedTasks,
        l.blockForMs,
      ]
    : ['0', 1, 0, 0, 0, 0, 0, 1, 0, 1];
  const rate = input.rateLimit ? [input.rateLimit.max, input.rateLimit.windowMs] : [0, 1];
  return [...loops, ...rate, input.fingerprint ?? ''].map(String);
}

/** The record-grant reply to recording `grant` as the store's result. */
export function toRecordResult(reply: RecordReply, grant: GrantRecord): RecordGrantResult {
  if (reply.ok)
    return { ok: true, task: toTask(reply.task!), grant: { ...grant, expiresAt: reply.exp! } };
  const refusal = ((): GrantRefusal => {
    switch (reply.refusal) {
      case 'task_not_active':
        return {
          reason: 'task_not_active',
          status: reply.status!,
          ...(reply.rule ? { rule: reply.rule } : {}),
        };
      case 'rate_limited':
        return { reason: 'rate_limited', retryAfterSeconds: reply.retry_after! };
      case 'loop_tripped':
        return {
          reason: 'loop_tripped',
          trip: {
            rule: reply.rule!,
            count: reply.count!,
            limit: reply.limit!,
            ...(reply.window !== undefined ? { windowSeconds: reply.window } : {}),
            revoked: reply.revoked ?? 0,
            haltedTasks: reply.halted_tasks ?? 1,
            ...(reply.blocked_until !== undefined ? { blockedUntil: reply.blocked_until } : {}),
          },
        };
      default:
        return { reason: reply.refusal as 'agent_blocked' | 'task_expired' };
    }
  })();
  return { ok: false, refusal };
}
