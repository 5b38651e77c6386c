import { createHash } from 'node:crypto';

/**
 * The loop rules, named as in config (`loops:`) and on the wire (`rule` of `task_halted`), in
 * the order they are checked: when several would trip at once, the first of this list is the
 * one that halts the task and is named (docs/loops.md, "Which rule wins"). This list is the one
 * place that order lives: the memory store reads it through {@link firstBrokenRule}, the Redis
 * scripts get it as their `LOOP_RULES` table (redis/store-scripts.ts).
 */
export const LOOP_RULES = [
  // an agent asking to act again in a delegation chain it is already in (A -> B -> A): the
  // work loops between agents; it trips whatever the counts (count 1 > limit 0)
  'delegation_cycle',
  'max_exchanges',
  'max_identical',
  'max_grants',
  'max_live_grants',
  'max_task_age',
] as const;
export type LoopRule = (typeof LOOP_RULES)[number];

/** The per-task and per-agent limits the store enforces as it records a grant. */
export interface LoopLimits {
  /** Sliding window of the exchange-rate and repetition rules, ms. */
  readonly windowMs: number;
  /** Most exchanges of one task in the window. */
  readonly maxExchanges: number;
  /** Most exchanges of one task with the same intent fingerprint in the window. */
  readonly maxIdentical: number;
  /** Most grants over the task's life (since its last resume). */
  readonly maxGrants: number;
  /** Most live grants of the task at once. */
  readonly maxLiveGrants: number;
  /** Oldest a task may be and still get grants (since its last resume), ms. */
  readonly maxTaskAgeMs: number;
  /** Window over which the agent's halted tasks are counted, ms. */
  readonly agentWindowMs: number;
  /** Most halted tasks of the agent in `agentWindowMs` before it is blocked. */
  readonly maxHaltedTasks: number;
  /** How long such a block lasts, ms. */
  readonly blockForMs: number;
}

/** The per-identity exchange rate limit, counted in the store so replicas share it. */
export interface RateLimit {
  /** Most exchanges per window; 0 turns the limit off. */
  readonly max: number;
  readonly windowMs: number;
}

/** What tripped, as the store saw it in the atomic step that halted the task. */
export interface LoopTrip {
  readonly rule: LoopRule;
  /** The count that went over (seconds of age for `max_task_age`). */
  readonly count: number;
  readonly limit: number;
  /** The window of window-based rules, seconds. */
  readonly windowSeconds?: number;
  /** Live grants revoked by the trip (and by the block, if one followed). */
  readonly revoked: number;
  /** The agent's halted tasks in its window, this one included. */
  readonly haltedTasks: number;
  /** Set when this trip blocked the agent: until when, epoch ms. */
  readonly blockedUntil?: number;
}

/** One loop rule's numbers for the exchange being recorded. */
export interface LoopMeasure {
  /** The count, this exchange included (whole seconds of age for `max_task_age`). */
  readonly count: number;
  readonly limit: number;
  /** The window of window-based rules, seconds. */
  readonly windowSeconds?: number;
  /** Whether the rule trips, when not simply `count > limit` (age is compared in ms). */
  readonly over?: boolean;
}

/** A loop rule that an exchange would break, with the numbers that broke it. */
export interface BrokenRule {
  readonly rule: LoopRule;
  readonly count: number;
  readonly limit: number;
  readonly windowSeconds?: number;
}

/** The first rule, in the order of {@link LOOP_RULES}, that the measures break. */
export function firstBrokenRule(
  measures: Readonly<Record<LoopRule, LoopMeasure>>,
): BrokenRule | undefined {
  for (const rule of LOOP_RULES) {
    const { over, ...numbers } = measures[rule];
    if (over ?? numbers.count > numbers.limit) return { rule, ...numbers };
  }
  return undefined;
}

/**
 * The fingerprint of an intent for the repetition rule: audience, sorted scopes, sorted
 * targets, purpose. Two requests asking for the same thing for the same reason match.
 *
 * @example
 * intentFingerprint({ audience, scopes: ['b', 'a'], targets: [], purpose: 'triage' });
 */
export function intentFingerprint(intent: {
  audience: string;
  scopes: readonly string[];
  targets: readonly string[];
  purpose: string;
}): string {
  const canonical = JSON.stringify([
    intent.audience,
    [...intent.scopes].sort(),
    [...intent.targets].sort(),
    intent.purpose,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}
