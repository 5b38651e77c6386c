import { z } from 'zod';
import { SCOPE_CLASSES } from '../../intent/tiers.js';
import {
  TASK_STATUSES,
  type GrantRecord,
  type GrantRefusal,
  type RecordAttemptResult,
  type RecordGrantResult,
  type TaskState,
} from '../grant-records.js';
import { LOOP_RULES } from '../loop-rules.js';

// What the Lua scripts reply (one JSON object each, made by cjson.encode), checked here before
// the store believes it, and the store's types made from it. A reply that does not match fails
// the call as any Redis failure does (503): the store never guesses.

/** A Lua list: cjson encodes an empty table as `{}`, never `[]`. */
const luaList = <T extends z.ZodType>(item: T) =>
  z.union([z.array(item), z.strictObject({}).transform((): z.output<T>[] => [])]);

const taskReply = z.object({
  task: z.string(),
  status: z.enum(TASK_STATUSES),
  purpose: z.string(),
  created: z.number(),
  expires: z.number(),
  grants_recorded: z.number(),
  live: z.number(),
  halt: z.object({ rule: z.string(), reason: z.string(), at: z.number() }).optional(),
  parent: z.object({ agent: z.string(), task: z.string() }).optional(),
});

const grantReply = z.object({
  jti: z.string(),
  task: z.string(),
  res: z.string(),
  aud: z.string(),
  scope: z.string(),
  tier: z.enum(SCOPE_CLASSES),
  targets: z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(z.array(z.string())),
  iat: z.number(),
  exp: z.number(),
  /** A delegated grant's chain and `may_act` (see {@link delegationText}). */
  dlg: z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(
      z.object({
        delegation: z
          .object({
            subject: z.string(),
            actors: z.array(z.string()),
            lineage: z.array(
              z.object({
                client_id: z.string(),
                task: z.string(),
                jti: z.string(),
                iat: z.number(),
              }),
            ),
            person: z.string().optional(),
          })
          .optional(),
        mayAct: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

/** A task as the scripts reply it. */
export type TaskReply = z.output<typeof taskReply>;
/** A grant as the scripts reply it. */
export type GrantReply = z.output<typeof grantReply>;

/** Reply of get-task.lua and resume-task.lua: the task, absent when there is none. */
export const maybeTaskReply = z.object({ task: taskReply.optional() });

/** Reply of get-grant.lua: the grant and its task's status (absent: task gone). */
export const grantLookupReply = z.object({
  grant: grantReply.optional(),
  status: z.enum(TASK_STATUSES).optional(),
});

/** Reply of list-page.lua: tasks or grants, and where the next page starts. */
export const listPageReply = z.object({
  items: luaList(z.union([taskReply, grantReply])),
  next: z.object({ score: z.number(), task: z.string(), skip: z.number() }).optional(),
});

/** Reply of a revoking script: live grants killed, and the feed entry's id and `until`. */
export const revokeReply = z.object({
  revoked: z.number(),
  id: z.string().optional(),
  until: z.number().optional(),
  /** revoke-grant.lua: the revoked grant's audience, as its feed entry carries it. */
  aud: z.string().optional(),
});

/** Reply of end-task.lua: as {@link revokeReply}, with `missing` when there is no such task. */
export const endTaskReply = revokeReply.extend({ missing: z.literal(true).optional() });

/** Reply of unblock-agent.lua. */
export const unblockReply = z.object({ was_blocked: z.boolean() });

const refusalReply = z.discriminatedUnion('refusal', [
  z.object({ refusal: z.literal('agent_blocked') }),
  z.object({ refusal: z.literal('task_expired') }),
  z.object({
    refusal: z.literal('task_not_active'),
    status: z.enum(TASK_STATUSES),
    rule: z.string().optional(),
  }),
  z.object({ refusal: z.literal('rate_limited'), retry_after: z.number() }),
  z.object({ refusal: z.literal('agent_revoked_now'), retry_after: z.number() }),
  z.object({
    refusal: z.literal('too_many_tasks'),
    limit: z.number(),
    retry_after: z.number(),
  }),
  z.object({
    refusal: z.literal('loop_tripped'),
    rule: z.enum(LOOP_RULES),
    count: z.number(),
    limit: z.number(),
    window: z.number().optional(),
    revoked: z.number(),
    halted_tasks: z.number(),
    blocked_until: z.number().optional(),
  }),
]);

/** Reply of record-grant.lua: recorded (with the expiry as clamped, epoch s), or refused. */
export const recordReply = z.union([
  z.object({ ok: z.literal(true), task: taskReply, exp: z.number() }),
  refusalReply,
]);

/** A task reply of a script run on `agentId`'s keys as the store's {@link TaskState}. */
export function toTask(agentId: string, view: TaskReply): TaskState {
  return {
    agentId,
    taskId: view.task,
    status: view.status,
    purpose: view.purpose,
    createdAt: view.created,
    expiresAt: view.expires,
    grantsRecorded: view.grants_recorded,
    liveGrants: view.live,
    ...(view.halt ? { halt: view.halt } : {}),
    ...(view.parent ? { parent: { agentId: view.parent.agent, taskId: view.parent.task } } : {}),
  };
}

/** A grant reply as the store's {@link GrantRecord}. */
export function toGrant(agentId: string, view: GrantReply): GrantRecord {
  return {
    jti: view.jti,
    agentId,
    taskId: view.task,
    resource: view.res,
    audience: view.aud,
    scopes: view.scope.split(' ').filter((s) => s.length > 0),
    tier: view.tier,
    targets: view.targets,
    issuedAt: view.iat,
    expiresAt: view.exp,
    ...(view.dlg?.delegation ? { delegation: withoutUndefined(view.dlg.delegation) } : {}),
    ...(view.dlg?.mayAct ? { mayAct: view.dlg.mayAct } : {}),
  };
}

function withoutUndefined<T extends { person?: string | undefined }>(d: T) {
  const { person, ...rest } = d;
  return { ...rest, ...(person !== undefined ? { person } : {}) };
}

/** The grant's delegation and `may_act`, stored as one JSON field `dlg`; absent when neither. */
export function delegationText(grant: GrantRecord): { dlg?: string } {
  if (!grant.delegation && !grant.mayAct) return {};
  return {
    dlg: JSON.stringify({
      ...(grant.delegation ? { delegation: grant.delegation } : {}),
      ...(grant.mayAct ? { mayAct: grant.mayAct } : {}),
    }),
  };
}

/** The record-grant reply to recording `grant` as the store's result. */
export function toRecordResult(
  reply: z.output<typeof recordReply>,
  grant: GrantRecord,
): RecordGrantResult {
  if ('ok' in reply)
    return {
      ok: true,
      task: toTask(grant.agentId, reply.task),
      grant: { ...grant, expiresAt: reply.exp },
    };
  return { ok: false, refusal: toRefusal(reply) };
}

/** The record-grant reply to recording an attempt of `agentId` as the store's result. */
export function toAttemptResult(
  agentId: string,
  reply: z.output<typeof recordReply>,
): RecordAttemptResult {
  if ('ok' in reply) return { ok: true, task: toTask(agentId, reply.task) };
  return { ok: false, refusal: toRefusal(reply) };
}

function toRefusal(reply: z.output<typeof refusalReply>): GrantRefusal {
  switch (reply.refusal) {
    case 'task_not_active':
      return {
        reason: 'task_not_active',
        status: reply.status,
        ...(reply.rule ? { rule: reply.rule } : {}),
      };
    case 'rate_limited':
    case 'agent_revoked_now':
      return { reason: reply.refusal, retryAfterSeconds: reply.retry_after };
    case 'too_many_tasks':
      return { reason: 'too_many_tasks', limit: reply.limit, retryAfterSeconds: reply.retry_after };
    case 'loop_tripped':
      return {
        reason: 'loop_tripped',
        trip: {
          rule: reply.rule,
          count: reply.count,
          limit: reply.limit,
          ...(reply.window !== undefined ? { windowSeconds: reply.window } : {}),
          revoked: reply.revoked,
          haltedTasks: reply.halted_tasks,
          ...(reply.blocked_until !== undefined ? { blockedUntil: reply.blocked_until } : {}),
        },
      };
    default:
      return { reason: reply.refusal };
  }
}
