import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import type { IssuanceRules } from '../intent/issuance-rules.js';

/**
 * The issuance rules a config sets (defaults where it is silent): built here once for the
 * broker's exchange and dry runs, and by `mandate policy test`, so they cannot disagree.
 *
 * @example
 * const rules = issuanceRules(config); // { tierTtlSeconds: { read: 300, ... }, ... }
 */
export function issuanceRules(config: Config): IssuanceRules {
  return {
    tierTtlSeconds: {
      read: config.tiers.read.ttl,
      write: config.tiers.write.ttl,
      destructive: config.tiers.destructive.ttl,
    },
    maxTokenTtlSeconds: config.limits.max_token_ttl,
    sensitivityFloor: config.tiers.sensitivity_floor ?? DEFAULTS.sensitivityFloor,
    maxTaskAgeSeconds: config.limits.max_task_age,
  };
}
