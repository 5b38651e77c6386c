import type { ScopeClass } from '../intent/tiers.js';
import type { TaskStatus } from '../grants/grant-store.js';
import type { LoopRule } from '../grants/loop-rules.js';
import type { AgentTaskDetail } from '../intent/agent-task-detail.js';

// Field names are the JSON keys of the audit lines users parse: changing one breaks a reader.
// Every event names the agent as `agent`, its task as `task`, a grant as `jti` and an operator
// by key name as `operator`. Tokens never appear, only `subject_token_sha256`.

/** One exchange, granted or refused (`token_exchange`). */
export interface TokenExchangeEvent {
  readonly event: 'token_exchange';
  readonly outcome: 'granted' | 'refused';
  readonly agent?: string;
  readonly task?: string;
  readonly audience?: string;
  readonly scopes?: readonly string[];
  readonly tier?: ScopeClass;
  readonly jti?: string;
  /** sha256 (hex) of the subject token presented. */
  readonly subject_token_sha256?: string;
  /** The Cedar policies that allowed the granted scopes. */
  readonly policy_ids?: readonly string[];
  /** The error code of a refusal. */
  readonly error?: string;
  /** The error description of a refusal. */
  readonly reason?: string;
  /** A delegated exchange: the chain, original subject first and `agent` (the actor) last. */
  readonly delegation?: { readonly chain: readonly string[]; readonly depth: number };
  /** AWS credentials issued: the session's names and key id, never its secrets. */
  readonly aws?: {
    readonly role_arn: string;
    readonly session_name: string;
    readonly access_key_id: string;
    readonly source_identity: string;
    /** Epoch seconds. */
    readonly expires_at: number;
  };
  /** The W3C trace id (32 hex) of the exchange's span, when its context is valid. */
  readonly trace_id?: string;
  /** The intent the agent declared, once resolved. */
  readonly intent?: { readonly purpose: string; readonly targets: readonly string[] };
  /** Each requested scope's decision and the ids of the policies that decided it. */
  readonly decisions?: readonly ScopeDecisionRecord[];
  /** The version (sha256 hex) of the policy set that decided. */
  readonly policy_version?: string;
  /** The granted `authorization_details`, as the response and the token carry them. */
  readonly authorization_details?: readonly AgentTaskDetail[];
  /** sha256 (hex) of the access token minted; `jti` names it. */
  readonly token_sha256?: string;
  /** The approval consumed by this exchange and the operator who approved it. */
  readonly approval?: { readonly id: string; readonly approver?: string };
  /** The loop rule that halted the task, when that refused the exchange. */
  readonly loop_rule?: LoopRule;
}

/** One scope's decision in a `token_exchange` event. */
export interface ScopeDecisionRecord {
  readonly scope: string;
  readonly decision: 'allow' | 'deny';
  /** The permits of an allow, the forbids of a deny (empty: default deny). */
  readonly policy_ids: readonly string[];
}

/** What every operator action says: who (API key name) and which action. */
interface OperatorActionBase<A extends string> {
  readonly event: 'operator_action';
  /** The operator's API key name. */
  readonly operator: string;
  /** The roles the operator's key held when it acted. */
  readonly roles?: readonly string[];
  readonly action: A;
  readonly agent: string;
}

/** An operator's change through the operator API (`operator_action`), one shape per action. */
export type OperatorActionEvent =
  | (OperatorActionBase<'revoke_grant'> & { readonly jti: string; readonly revoked: number })
  | (OperatorActionBase<'revoke_task'> & {
      readonly task: string;
      /** Null when the task is unknown (answered 404). */
      readonly revoked: number | null;
    })
  | (OperatorActionBase<'resume_task'> & {
      readonly task: string;
      /** The task's status after the call; null when it is unknown. */
      readonly status: TaskStatus | null;
    })
  | (OperatorActionBase<'revoke_agent'> & { readonly revoked: number })
  | (OperatorActionBase<'block_agent'> & { readonly seconds: number; readonly revoked: number })
  | (OperatorActionBase<'unblock_agent'> & { readonly was_blocked: boolean });

/** The operator actions audited. */
export type OperatorAction = OperatorActionEvent['action'];

/** A loop rule halted a task (`loop_tripped`), and maybe blocked its agent. */
export interface LoopTrippedEvent {
  readonly event: 'loop_tripped';
  readonly agent: string;
  readonly task: string;
  readonly rule: LoopRule;
  readonly count: number;
  readonly limit: number;
  /** Null for rules without a window. */
  readonly window_seconds: number | null;
  /** Live grants revoked by the trip (and by the block, if one followed). */
  readonly revoked: number;
  readonly halted_tasks: number;
  /** Epoch ms the agent is blocked until, when this trip blocked it; else null. */
  readonly blocked_until: number | null;
}

/** The agent ended its task (`task_completed`); every grant of it died. */
export interface TaskCompletedEvent {
  readonly event: 'task_completed';
  readonly agent: string;
  readonly task: string;
  readonly revoked: number;
}

/** The agent revoked one of its tokens through `/revoke` (`token_revoked`). */
export interface TokenRevokedEvent {
  readonly event: 'token_revoked';
  readonly agent: string;
  readonly task: string;
  readonly jti: string;
  readonly revoked: number;
}

/** A service exchanged a live access token for a transaction token (`txn_token_issued`). */
export interface TxnTokenIssuedEvent {
  readonly event: 'txn_token_issued';
  /** The agent holding the grant the transaction token is bound to. */
  readonly agent: string;
  readonly task: string;
  /** The bound grant (the access token's jti). */
  readonly jti: string;
  /** The transaction token's `txn`. */
  readonly txn: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  /** The original subject first, the current actor last. */
  readonly chain: readonly string[];
  /** Epoch seconds. */
  readonly expires_at: number;
  /** sha256 (hex) of the access token presented. */
  readonly subject_token_sha256: string;
}

/** The approval events, in the order of an approval's life. */
export const APPROVAL_EVENTS = [
  'approval_requested',
  'approval_approved',
  'approval_denied',
  'approval_consumed',
] as const;

/** An approval was asked for, approved, denied or used up. */
export interface ApprovalEvent {
  readonly event: (typeof APPROVAL_EVENTS)[number];
  readonly approval_id: string;
  readonly agent: string;
  readonly task: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly tier: ScopeClass;
  /** Who decided, once an operator has. */
  readonly operator?: string;
  /** The operator's reason, once decided. */
  readonly reason?: string;
}

/**
 * The broker wrote a deny for revoked AWS sessions into a role's inline policy
 * (`aws_sessions_denied`, docs/aws.md): which revocation, and how (`tag`: a statement for the
 * sessions' tags; `issued_before`: every session of the role issued before now).
 */
export interface AwsSessionsDeniedEvent {
  readonly event: 'aws_sessions_denied';
  readonly role_arn: string;
  readonly revocation: 'grant' | 'task' | 'agent' | 'epoch';
  readonly agent: string;
  readonly task?: string;
  readonly jti?: string;
  readonly statement: 'tag' | 'issued_before';
  /** Epoch seconds: the deny is kept until then, when the sessions have expired anyway. */
  readonly until: number;
  /** The revocation feed entry it follows. */
  readonly feed_id: string;
}

/** Expired statements dropped from a role's deny policy (`aws_deny_pruned`). */
export interface AwsDenyPrunedEvent {
  readonly event: 'aws_deny_pruned';
  readonly role_arn: string;
  readonly pruned: number;
  /** Statements left; 0: the policy was deleted. */
  readonly left: number;
}

/** One audited event. Carries hashes and ids, never a token; `event` says which. */
export type AuditEvent =
  | AwsSessionsDeniedEvent
  | AwsDenyPrunedEvent
  | TokenExchangeEvent
  | OperatorActionEvent
  | LoopTrippedEvent
  | TaskCompletedEvent
  | TokenRevokedEvent
  | TxnTokenIssuedEvent
  | ApprovalEvent;

/** The names of audited events (the `event` field of an audit line). */
export type AuditEventName = AuditEvent['event'];

/** The event named `N`, narrowed (an approval event to its one name). */
export type AuditEventOf<N extends AuditEventName> = AuditEvent & { readonly event: N };
