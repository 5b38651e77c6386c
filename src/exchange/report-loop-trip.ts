import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { LoopTrip } from '../grants/loop-rules.js';

/**
 * Reports a loop trip: a `loop_tripped` audit event naming the rule, the counts and the window
 * (and the block it caused, if any), and the `mandate_loop_trips_total{rule}` metric.
 */
export function createLoopTripReporter(deps: { audit: AuditLog; metrics: Metrics }) {
  return (trip: LoopTrip, where: { agent: string; task: string }): void => {
    deps.metrics.loopTrips.inc({ rule: trip.rule });
    deps.audit.record({
      event: 'loop_tripped',
      ...where,
      rule: trip.rule,
      count: trip.count,
      limit: trip.limit,
      window_seconds: trip.windowSeconds ?? null,
      revoked: trip.revoked,
      halted_tasks: trip.haltedTasks,
      blocked_until: trip.blockedUntil ?? null,
    });
  };
}
