import { isMandateError } from '../errors.js';

/**
 * Wraps a store port so that every call failing with `temporarily_unavailable` (a Redis failure,
 * see platform/store-unavailable.ts) calls `onError` before the refusal goes on unchanged. The
 * stores stay unaware of metrics; every method of the port is covered, new ones included.
 *
 * @example
 * const store = countStoreErrors(grants.store, () => metrics.storeErrors.inc({ store: 'grants' }));
 */
export function countStoreErrors<T extends object>(store: T, onError: () => void): T {
  const counted = (err: unknown) => {
    if (isMandateError(err) && err.code === 'temporarily_unavailable') onError();
    throw err;
  };
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      // Called on the target itself: stores keep their state in private fields.
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, target, args);
        return result instanceof Promise ? result.catch(counted) : result;
      };
    },
  });
}
