// The words of risk: what a scope does and how sensitive the data is, each list in rising
// order. Nothing is imported here, so every folder may depend on these words without
// depending on anything else.

/** The operation classes of scopes (the risk tiers), from least to most dangerous. */
export const SCOPE_CLASSES = ['read', 'write', 'destructive'] as const;
/** What a scope does: its risk tier. */
export type ScopeClass = (typeof SCOPE_CLASSES)[number];

/** Data sensitivities, from least to most sensitive. */
export const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'] as const;
/** How sensitive a resource's data is. */
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** The riskier of two tiers. */
export function higherTier(a: ScopeClass, b: ScopeClass): ScopeClass {
  return SCOPE_CLASSES.indexOf(b) > SCOPE_CLASSES.indexOf(a) ? b : a;
}

/** The more sensitive of two sensitivities. */
export function moreSensitive(a: Sensitivity, b: Sensitivity): Sensitivity {
  return SENSITIVITIES.indexOf(b) > SENSITIVITIES.indexOf(a) ? b : a;
}
