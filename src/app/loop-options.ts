import type { Config } from '../config/load-config.js';
import type { LoopLimits, RateLimit } from '../grants/loop-rules.js';

/**
 * The loop rules and rate limit of the config, in the store's units (ms); absent when off. Built
 * here, where the config is read, for the broker and the exchange benchmark alike.
 *
 * @example
 * const { loops, rateLimit } = loopOptions(config.loops);
 */
export function loopOptions(l: Config['loops']): {
  loops?: LoopLimits;
  rateLimit?: RateLimit;
} {
  return {
    ...(l.enabled
      ? {
          loops: {
            windowMs: l.window * 1000,
            maxExchanges: l.max_exchanges,
            maxIdentical: l.max_identical,
            maxGrants: l.max_grants,
            maxLiveGrants: l.max_live_grants,
            maxTaskAgeMs: l.max_task_age * 1000,
            agentWindowMs: l.agent_window * 1000,
            maxHaltedTasks: l.max_halted_tasks,
            blockForMs: l.block_for * 1000,
          },
        }
      : {}),
    ...(l.rate_limit.max > 0
      ? { rateLimit: { max: l.rate_limit.max, windowMs: l.rate_limit.window * 1000 } }
      : {}),
  };
}
