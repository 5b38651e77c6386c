import type { Config } from '../config/load-config.js';

/** How many workers `mandate serve` runs, and why when it is one though more were possible. */
export interface WorkerPlan {
  readonly workers: number;
  /** Why one process serves although `--workers` was not given (logged at start). */
  readonly reason?: string;
}

/**
 * What keeps a broker to one process: state each worker would hold alone. The memory store
 * first: each worker would hold its own grants, approvals and feed, so a revocation or a loop
 * rule made in one would not hold in another.
 */
function singleProcessReason(config: Config): string | undefined {
  if (config.store.redis_url === undefined)
    return 'the memory store: each worker would hold its own grants, approvals and revocations, so revocation and loop rules would split between them (set store.redis_url or REDIS_URL)';
  if (config.signing.keys.length === 0)
    return 'an ephemeral signing key: each worker would sign with its own, so a token from one would not verify on another (set signing.keys)';
  if (config.audit.sinks.some((s) => s.type === 'file'))
    return 'a file audit sink: workers would append to and rotate one file against each other (use the stdout or redis sink)';
  return undefined;
}

/**
 * The number of workers: `--workers` (or `MANDATE_WORKERS`) when given, else one per core with
 * a store the workers share, else one, saying why. More than one asked for where the state
 * cannot be shared is refused before anything starts.
 *
 * @example
 * planWorkers(undefined, config, availableParallelism()); // { workers: 8 } with Redis
 */
export function planWorkers(
  requested: number | undefined,
  config: Config,
  cores: number,
): WorkerPlan {
  const reason = singleProcessReason(config);
  if (requested === undefined)
    return reason === undefined ? { workers: Math.max(1, cores) } : { workers: 1, reason };
  if (requested > 1 && reason !== undefined)
    throw new Error(`--workers ${requested} cannot run with ${reason}; run --workers 1`);
  return { workers: requested };
}
