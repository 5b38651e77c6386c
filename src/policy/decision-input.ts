import type { Principal } from '../identity/principal.js';
import type { Intent } from '../intent/intent.js';

/** What the task has done so far, as policy sees it. */
export interface TaskContext {
  readonly id: string;
  readonly purpose: string;
  readonly ageSeconds: number;
  readonly exchanges: number;
  readonly liveGrants: number;
}

/** A delegated exchange, as policy sees it (`context.delegation`, present only then). */
export interface DelegationContext {
  /** Actors in the chain, this one included (A -> B is 1). */
  readonly depth: number;
  /** Every id of the chain, the original subject first and this actor last. */
  readonly chain: readonly string[];
  /** The original subject. */
  readonly origin: string;
  /** The agent handing the work over: the parent token's holder. */
  readonly delegator: string;
  /** The scopes of the parent token (none acting for a person). */
  readonly parentScopes: readonly string[];
  /** The person acted for, when the chain started from a person's token. */
  readonly person?: string;
}

/** One decision request: who, what, and the task's live state. */
export interface DecisionInput {
  readonly principal: Principal;
  readonly intent: Intent;
  readonly task: TaskContext;
  /** Evaluation time (ms since epoch). */
  readonly now: number;
  readonly approved?: boolean;
  /** Set when the exchange is delegated; the principal is then the current actor. */
  readonly delegation?: DelegationContext;
}
