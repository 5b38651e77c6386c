import type { GrantRecord, TaskState } from '../../operator-actions/operator-reads.js';

/** A grant as the operator API shows it (times in epoch seconds, like JWT claims). */
export function grantView(grant: GrantRecord) {
  return {
    grant_id: grant.jti,
    agent: grant.agentId,
    task_id: grant.taskId,
    resource: grant.resource,
    audience: grant.audience,
    scope: grant.scopes.join(' '),
    tier: grant.tier,
    targets: grant.targets,
    issued_at: grant.issuedAt,
    expires_at: grant.expiresAt,
  };
}

/** A task as the operator API shows it; `halt` says which rule stopped it, while halted. */
export function taskView(task: TaskState) {
  return {
    task_id: task.taskId,
    agent: task.agentId,
    status: task.status,
    purpose: task.purpose,
    created_at: Math.floor(task.createdAt / 1000),
    expires_at: Math.floor(task.expiresAt / 1000),
    exchanges: task.grantsRecorded,
    live_grants: task.liveGrants,
    ...(task.halt
      ? {
          halt: {
            rule: task.halt.rule,
            reason: task.halt.reason,
            at: Math.floor(task.halt.at / 1000),
          },
        }
      : {}),
    ...(task.parent ? { parent: { agent: task.parent.agentId, task_id: task.parent.taskId } } : {}),
  };
}
