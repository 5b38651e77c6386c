import { MandateError } from '../errors.js';

/**
 * Turns any failure talking to Redis (down, timed out, loading, read-only replica) into the
 * refusal a caller can retry: 503 `temporarily_unavailable` with `Retry-After: 1`. The store
 * never lets a Redis error decide a security outcome: no answer means no token.
 */
export function storeUnavailable(err: unknown, store = 'grant store'): MandateError {
  return new MandateError('temporarily_unavailable', `the ${store} is unavailable; retry`, {
    retryAfter: 1,
    cause: err,
  });
}

/** Runs a store operation, mapping every failure to {@link storeUnavailable}. */
export async function guarded<T>(operation: () => Promise<T>, store?: string): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw storeUnavailable(err, store);
  }
}
