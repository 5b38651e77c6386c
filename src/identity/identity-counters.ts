import type { RefusalClass } from './subject-refusal.js';
import type { SubjectSource } from './verify-subject-token.js';

/** A counter as identity uses it: labels, and a value to add (1 by default; 0 starts a series). */
export interface IdentityCounter<L> {
  inc(labels: L, value?: number): void;
}

/**
 * What identity counts, owned here so identity knows nothing of the metrics registry; the
 * broker's metrics (src/metrics) satisfy it.
 */
export interface IdentityCounters {
  /** Subject-token verifications by source and outcome. */
  readonly subjectVerifications: IdentityCounter<{
    source: SubjectSource;
    outcome: 'verified' | RefusalClass | 'error';
  }>;
  /** Failed refreshes of trusted keys, by source kind and configured authority. */
  readonly keySetRefreshFailures: IdentityCounter<{ source: string; authority: string }>;
}
