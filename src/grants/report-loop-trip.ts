import type { Metrics } from '../metrics/metrics.js';
import type { Logger } from '../platform/logger.js';
import type { LoopTrip } from './loop-rules.js';

/**
 * Reports a loop trip: an audit line naming the rule, the counts and the window (and the block
 * it caused, if any), and the `mandate_loop_trips_total{rule}` metric.
 */
export function createLoopTripReporter(deps: { logger: Logger; metrics: Metrics }) {
  const audit = deps.logger.child({ audit: true });
  return (trip: LoopTrip, where: { agent: string; task: string }): void => {
    deps.metrics.loopTrips.inc({ rule: trip.rule });
    audit.warn(
      {
        event: 'loop_tripped',
        ...where,
        rule: trip.rule,
        count: trip.count,
        limit: trip.limit,
        window_seconds: trip.windowSeconds ?? null,
        revoked: trip.revoked,
        halted_tasks: trip.haltedTasks,
        blocked_until: trip.blockedUntil ?? null,
      },
      'loop_tripped',
    );
  };
}
