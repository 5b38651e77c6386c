import { MandateError } from '../errors.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { StoreEpoch } from './store-epoch.js';

/**
 * Wraps the grant store so the broker judges grants as verifiers do after a loss of state:
 * a grant issued in the second of the epoch's loss or before it is not live (lookups and
 * listings leave it out), and no grant is recorded in that second, whose tokens verifiers would
 * refuse (`temporarily_unavailable`, retry in a second). Every other call goes through as is.
 *
 * @example
 * const store = guardEpoch(grants.store, epoch);
 */
export function guardEpoch(store: GrantStore, epoch: StoreEpoch): GrantStore {
  const lostSecond = () => (epoch.lostAt > 0 ? Math.floor(epoch.lostAt / 1000) : -Infinity);
  const guarded: Pick<GrantStore, 'getGrant' | 'listGrants' | 'recordGrant'> = {
    async getGrant(agentId, jti) {
      const lookup = await store.getGrant(agentId, jti);
      // as gone as a grant revoked with its agent
      return lookup && lookup.grant.issuedAt <= lostSecond() ? null : lookup;
    },
    async listGrants(filter, page) {
      const cut = lostSecond();
      const found = await store.listGrants(filter, page);
      return { ...found, items: found.items.filter((g) => g.issuedAt > cut) };
    },
    recordGrant(input) {
      if (input.grant.issuedAt <= lostSecond())
        return Promise.reject(
          new MandateError(
            'temporarily_unavailable',
            'the store started a new epoch this second; retry in a second',
            { retryAfter: 1 },
          ),
        );
      return store.recordGrant(input);
    },
  };
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(guarded, property)) return guarded[property as keyof typeof guarded];
      const value: unknown = Reflect.get(target, property, target);
      // Called on the target itself: stores keep their state in private fields.
      return typeof value === 'function'
        ? (...args: unknown[]): unknown => Reflect.apply(value, target, args)
        : value;
    },
  });
}
