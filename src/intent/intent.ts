import type { ScopeClass, Sensitivity } from './tiers.js';
import type { Resource } from './catalogue.js';

/** What an agent declares it is about to do, as it arrives on the wire (already validated). */
export interface DeclaredIntent {
  readonly purpose: string;
  readonly targets: readonly string[];
  readonly sensitivity?: Sensitivity | undefined;
  /** Who may act for this task's token (`may_act`): agent ids, or prefixes ending in `*`. */
  readonly delegates?: readonly string[] | undefined;
}

/** An intent resolved against the catalogue: the exact resource, scopes, tier and lifetime. */
export interface Intent {
  readonly resource: Resource;
  /** Requested scopes, deduplicated, in request order. */
  readonly scopes: readonly string[];
  /** The highest operation class among the scopes. */
  readonly tier: ScopeClass;
  /** Lifetime of the token to mint, in seconds. */
  readonly ttlSeconds: number;
  readonly purpose: string;
  readonly targets: readonly string[];
  /** The data sensitivity the decision is taken at: the resource's, or higher if declared. */
  readonly sensitivity: Sensitivity;
}
