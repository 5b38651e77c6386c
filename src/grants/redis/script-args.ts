import type { LoopLimits, RateLimit } from '../loop-rules.js';

// The one argument object each Lua script takes (ARGV[1], JSON, decoded with cjson.decode). An
// absent member is left out, never null: cjson decodes null as a truthy value.

/** What every script gets: the broker's clock, epoch ms. */
export interface Now {
  readonly now: number;
}

/** What every revoking script gets: the clock, how long feed entries are kept (ms), who, why. */
export interface RevokingArgs extends Now {
  readonly retention: number;
  readonly agent: string;
  readonly reason: string;
}

/**
 * What record-grant.lua takes as constants of the store (`K` in the script): written into the
 * script's text when the store first runs it with them (store-scripts.ts), so a call neither
 * sends nor decodes them. Absent members are off.
 */
export interface RecordGrantConstants {
  /** How long feed entries are kept, ms. */
  readonly retention: number;
  /** Longest life of a task, ms. */
  readonly max_age_ms: number;
  readonly max_live_tasks?: number;
  readonly loops?: LoopLimits;
  /** Only with `max` above 0. */
  readonly rate?: RateLimit;
}

/** Arguments of record-grant.lua, one call's own. */
export interface RecordGrantArgs extends Now {
  readonly task: string;
  readonly agent: string;
  readonly purpose: string;
  /** Absent for an attempt (recordAttempt), which grants nothing. */
  readonly grant?: {
    readonly jti: string;
    /** Epoch s. */
    readonly exp: number;
    readonly res: string;
    readonly aud: string;
    /** Scopes joined by spaces. */
    readonly scope: string;
    readonly tier: string;
    /** The targets as JSON text, stored as is (cjson would turn `[]` into `{}`). */
    readonly targets: string;
    /** Epoch s. */
    readonly iat: number;
    /** A delegated token's chain and `may_act` as JSON text (see `delegationText`). */
    readonly dlg?: string;
  };
  /** A task a delegated grant starts: the task of the token it was delegated from. */
  readonly parent?: { readonly agent: string; readonly task: string };
  /** An attempt in a delegation chain its agent is already in: `delegation_cycle` trips. */
  readonly cycle?: true;
  /** An attempt's id, for its loop-window entry; only without `grant`. */
  readonly attempt?: string;
  /** The intent fingerprint, '' without one. */
  readonly fp: string;
}

/** Arguments of get-task.lua and resume-task.lua. */
export interface TaskArgs extends Now {
  readonly task: string;
}

/** Arguments of get-grant.lua. */
export interface GrantArgs extends Now {
  readonly jti: string;
}

/** Where a page of list-page.lua starts: after task `task` (skipping `skip` of its grants). */
export interface PagePosition {
  readonly score: number;
  readonly task: string;
  readonly skip: number;
}

/** Arguments of list-page.lua: tasks or grants of the agent (of one task when `task` is set). */
export interface ListPageArgs extends Now {
  readonly what: 'tasks' | 'grants';
  readonly limit: number;
  /** Most tasks visited in one call. */
  readonly budget: number;
  readonly after?: PagePosition;
  readonly task?: string;
  readonly status?: string;
  readonly aud?: string;
}

/** Arguments of revoke-grant.lua. */
export interface RevokeGrantArgs extends RevokingArgs {
  readonly jti: string;
}

/** Arguments of end-task.lua. */
export interface EndTaskArgs extends RevokingArgs {
  readonly task: string;
  readonly status: 'completed' | 'revoked';
}

/** Arguments of revoke-agent.lua; with `block_until` (epoch ms) it also blocks the agent. */
export interface RevokeAgentArgs extends RevokingArgs {
  readonly block_until?: number;
}

/** Arguments of unblock-agent.lua. */
export type UnblockAgentArgs = Now;
