import type { ScopeClass, Sensitivity } from './tiers.js';

/**
 * The one RFC 9396 authorization details type the broker serves: an agent's task on one
 * resource (docs/mcp.md, "Intent as authorization_details").
 */
export const AGENT_TASK_TYPE = 'agent_task';

/**
 * An `agent_task` entry as the broker grants it: in the token (`authorization_details` claim),
 * the token response and introspection. RFC 9396's `locations` and `actions` name the resource
 * and its granted scopes; the rest is the task's declared intent and what the broker decided.
 */
export interface AgentTaskDetail {
  readonly type: typeof AGENT_TASK_TYPE;
  /** The token's audience, alone. */
  readonly locations: readonly string[];
  /** The granted scopes. */
  readonly actions: readonly string[];
  readonly purpose: string;
  /** Present when the intent named targets. */
  readonly targets?: readonly string[];
  /** The data sensitivity the decision was taken at. */
  readonly sensitivity: Sensitivity;
  readonly tier: ScopeClass;
  readonly task_id: string;
}

/** What a granted detail is built from: the recorded grant and its task's declared intent. */
export interface GrantedTask {
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly targets: readonly string[];
  readonly tier: ScopeClass;
  readonly taskId: string;
  readonly purpose: string;
  readonly sensitivity: Sensitivity;
}

/**
 * The granted `authorization_details` of one token: one `agent_task` entry, whichever way the
 * intent was sent (legacy `intent` or `authorization_details`), so both give the same token.
 *
 * @example
 * grantedDetails({ ...grant, purpose: intent.purpose, sensitivity: intent.sensitivity });
 */
export function grantedDetails(task: GrantedTask): AgentTaskDetail[] {
  return [
    {
      type: AGENT_TASK_TYPE,
      locations: [task.audience],
      actions: [...task.scopes],
      purpose: task.purpose,
      ...(task.targets.length > 0 ? { targets: [...task.targets] } : {}),
      sensitivity: task.sensitivity,
      tier: task.tier,
      task_id: task.taskId,
    },
  ];
}
