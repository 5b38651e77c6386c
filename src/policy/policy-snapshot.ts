import type { DecisionInput } from './cedar-engine.js';
import type { Decision } from './decision.js';

/**
 * One policy set as it serves one exchange, from its first step to its last. It never
 * changes: a reload meanwhile serves the next exchange, so no exchange mixes two sets (e.g.
 * skips reading the task because the old set did not read `context.task`, then decides with
 * a new set that does).
 */
export interface PolicySnapshot {
  /** Decides every scope of the intent with this set. */
  decide(input: DecisionInput): Decision;
  /** Whether a policy of this set may read `context.task` (then the task is read first). */
  readonly readsTaskContext: boolean;
  /**
   * The decision of this request when it is the same whatever its task's state, so a set that
   * reads `context.task` need not have the task read for it (CedarEngine.decideWithoutTask).
   */
  decideWithoutTask(input: DecisionInput): Decision | undefined;
  /** The set's version: sha256 (hex) of its policies and schema, computed once per load. */
  readonly version: string;
}

/** The policy serving now; each call is a snapshot to use for one whole exchange or dry run. */
export interface ServingPolicy {
  /** The set serving at this moment. */
  current(): PolicySnapshot;
}
