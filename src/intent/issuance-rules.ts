import type { ScopeClass, Sensitivity } from './tiers.js';

/** Lowest tier for data of a sensitivity (e.g. restricted data is handled at least at write). */
export type SensitivityFloor = Readonly<Partial<Record<Sensitivity, ScopeClass>>>;

/**
 * The rules every grant is issued under: how long its token lives, the tier its data forces,
 * how long its task may run. One value, built once from the config by the composition root
 * (`src/app/issuance-rules.ts`) and shared by the exchange and every dry run of policy.
 */
export interface IssuanceRules {
  /** Token lifetime per tier: request -> tier -> global max -> subject token's remaining life. */
  readonly tierTtlSeconds: Readonly<Record<ScopeClass, number>>;
  /** No token outlives this, whatever its tier allows. */
  readonly maxTokenTtlSeconds: number;
  /** Lowest tier by data sensitivity; a sensitivity not listed floors at `read`. */
  readonly sensitivityFloor: SensitivityFloor;
  /** A task's grants end this long after its first exchange. */
  readonly maxTaskAgeSeconds: number;
}
