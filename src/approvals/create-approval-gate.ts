import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import { SCOPE_CLASSES } from '../config/schema.js';
import { countStoreErrors } from '../metrics/count-store-errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../platform/clock.js';
import { ApprovalGate } from './approval-gate.js';
import { newApprovalId } from './approval.js';
import { MemoryApprovalStore } from './memory-approval-store.js';
import { RedisApprovalStore } from './redis-approval-store.js';

/**
 * Builds the approval gate on the store the config implies: the grant store's Redis client
 * when there is one (replicas share approvals), memory otherwise.
 */
export function createApprovalGate(
  config: Config,
  deps: { redis?: Redis | undefined; clock: Clock; metrics: Metrics; audit: AuditLog },
): ApprovalGate {
  const retentionMs = DEFAULTS.approvalRetentionSeconds * 1000;
  const store = deps.redis
    ? new RedisApprovalStore({
        client: deps.redis,
        prefix: config.store.prefix,
        clock: deps.clock,
        retentionMs,
      })
    : new MemoryApprovalStore({ clock: deps.clock, retentionMs });
  return new ApprovalGate({
    store: countStoreErrors(store, () => deps.metrics.storeErrors.inc({ store: 'approvals' })),
    clock: deps.clock,
    newId: newApprovalId,
    ttlSeconds: config.approvals.ttl,
    requiredTiers: new Set(SCOPE_CLASSES.filter((t) => config.tiers[t].require_approval === true)),
    metrics: deps.metrics,
    audit: deps.audit,
  });
}
