import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import { DEFAULTS } from '../config/defaults.js';
import type { ScopeClass } from '../intent/tiers.js';
import { countStoreErrors } from '../metrics/count-store-errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../platform/clock.js';
import { ApprovalGate } from './approval-gate.js';
import { newApprovalId } from './approval.js';
import { MemoryApprovalStore } from './memory-approval-store.js';
import { RedisApprovalStore } from './redis-approval-store.js';

/** What the gate is built from: the settings it needs, nothing more. */
export interface ApprovalGateSettings {
  /** Prefix of the Redis keys (`<prefix>:approvals:`). */
  readonly prefix: string;
  /** How long an approval may wait and then be used. */
  readonly ttlSeconds: number;
  /** Tiers whose exchanges always wait for an operator. */
  readonly requiredTiers: ReadonlySet<ScopeClass>;
  /** Approvals one agent may have pending at once. */
  readonly maxPendingPerAgent: number;
}

/**
 * Builds the approval gate on the grant store's Redis client when there is one (replicas
 * share approvals), memory otherwise.
 */
export function createApprovalGate(
  settings: ApprovalGateSettings,
  deps: { redis?: Redis | undefined; clock: Clock; metrics: Metrics; audit: AuditLog },
): ApprovalGate {
  const retentionMs = DEFAULTS.approvalRetentionSeconds * 1000;
  const store = deps.redis
    ? new RedisApprovalStore({
        client: deps.redis,
        prefix: settings.prefix,
        clock: deps.clock,
        retentionMs,
      })
    : new MemoryApprovalStore({ clock: deps.clock, retentionMs });
  return new ApprovalGate({
    store: countStoreErrors(store, () => deps.metrics.storeErrors.inc({ store: 'approvals' })),
    clock: deps.clock,
    newId: newApprovalId,
    ttlSeconds: settings.ttlSeconds,
    requiredTiers: settings.requiredTiers,
    maxPendingPerAgent: settings.maxPendingPerAgent,
    metrics: deps.metrics,
    audit: deps.audit,
  });
}
