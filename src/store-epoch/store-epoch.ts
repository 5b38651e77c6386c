/**
 * What the rest of the broker knows of the store's epoch: the moment from which the store's
 * state is whole. Grants issued at or before its second were lost with the state before it.
 */
export interface StoreEpoch {
  /**
   * Epoch ms of the last loss of state this broker knows of (0: none): every grant issued in
   * its second or before is gone, and tokens of that second are refused by verifiers.
   */
  readonly lostAt: number;
}

/** The epoch of a store that cannot lose state without the process (the memory store). */
export const NO_EPOCH: StoreEpoch = { lostAt: 0 };
