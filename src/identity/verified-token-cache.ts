import { UNOBSERVED, type CacheObserver } from '../platform/cache-observer.js';
import { LruMap } from '../platform/lru-map.js';
import type { Principal } from './principal.js';

/**
 * Subject tokens already verified, by the sha256 of the token, so a workload presenting the
 * same JWT-SVID again (a SPIRE agent hands it out until it nears expiry) costs a hash and a
 * map lookup instead of decoding, key selection and a signature check. Bounded: past
 * `maxEntries` the least recently used entry goes. An entry never outlives its token's `exp`, and the whole
 * cache is emptied when a trust bundle or an issuer's keys change, so a key removed from trust
 * stops vouching at once. The caller rechecks the time claims on every use (docs/security.md,
 * "Verified subject tokens"). Lookups and evictions are told to an observer (the broker counts
 * them); a token found expired is a miss, and neither it nor a clear is an eviction.
 */
export class VerifiedTokenCache {
  /** Absent with a bound of 0: nothing is kept. */
  readonly #entries: LruMap<Principal> | undefined;
  readonly #observer: CacheObserver;
  #generation = 0;

  /** @param observer told of each lookup and eviction; nothing is told with a bound of 0. */
  constructor(maxEntries: number, observer: CacheObserver = UNOBSERVED) {
    this.#entries = maxEntries > 0 ? new LruMap(maxEntries, observer) : undefined;
    this.#observer = observer;
  }

  /** The principal verified from the token of this hash, unless gone or expired before `second`. */
  get(tokenSha256: string, second: number): Principal | undefined {
    const entries = this.#entries;
    if (entries === undefined) return undefined;
    const principal = entries.get(tokenSha256);
    if (principal === undefined) {
      this.#observer.miss();
      return undefined;
    }
    if (principal.expiresAt < second) {
      entries.delete(tokenSha256);
      this.#observer.miss();
      return undefined;
    }
    this.#observer.hit();
    return principal;
  }

  /**
   * Which keys are trusted now: read before verifying, handed to {@link set}, so a token
   * verified while the keys changed is not kept.
   */
  get generation(): number {
    return this.#generation;
  }

  /** Keeps a principal verified under the keys of `generation` (its `tokenSha256` is the key). */
  set(principal: Principal, generation: number): void {
    if (generation === this.#generation) this.#entries?.set(principal.tokenSha256, principal);
  }

  /** Forgets every token: trusted keys changed. */
  clear(): void {
    this.#generation += 1;
    this.#entries?.clear();
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }
}
