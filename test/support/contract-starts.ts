const YEAR_MS = 365 * 24 * 3600_000;

/**
 * Where a store contract's clock starts: years before, at and years after the real date. A store
 * that lets Redis judge time by its own clock (an absolute expiry, say) fails one of them.
 */
export const CONTRACT_STARTS: ReadonlyArray<readonly [string, number]> = [
  ['five years before today', Date.now() - 5 * YEAR_MS],
  ['today', Date.now()],
  ['five years after today', Date.now() + 5 * YEAR_MS],
];
