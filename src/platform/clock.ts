/** Source of the current time, injected so tests can freeze it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Whole seconds since the epoch, as JWT claims use them. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}
