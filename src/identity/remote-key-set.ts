import { createLocalJWKSet, errors as joseErrors, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock.js';
import { isWeakRsa } from './spiffe-bundle.js';
import { refuse } from './subject-refusal.js';

/** What a remote key set needs. */
export interface RemoteKeySetOptions {
  /** Fetches the current JWKS document (discovery and transport are the caller's). */
  readonly load: () => Promise<unknown>;
  readonly clock: Clock;
  /** Keys older than this are refetched before use, ms. */
  readonly maxAgeMs: number;
  /** At most one fetch per this interval, whatever kids arrive, ms. */
  readonly cooldownMs: number;
  /** Most keys kept from one document. */
  readonly maxKeys: number;
  readonly onFailure: (err: unknown) => void;
  /** Runs when a refresh brings keys that differ from the ones held. */
  readonly onKeysChanged?: () => void;
}

/**
 * An issuer's signing keys, cached. Unlike jose's remote key set it keeps the last good keys
 * when a refresh fails, rate-limits every fetch (successful or not) so a stream of unknown
 * `kid`s cannot make the broker hammer the issuer, and drops RSA keys under 2048 bits and
 * keys meant for encryption.
 */
export class RemoteKeySet {
  readonly #o: RemoteKeySetOptions;
  #local: JWTVerifyGetKey | undefined;
  #keysJson = '';
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;

  constructor(options: RemoteKeySetOptions) {
    this.#o = options;
  }

  /** jose's key resolver over the cached keys. */
  readonly getKey = async (
    header: Parameters<JWTVerifyGetKey>[0],
    token: Parameters<JWTVerifyGetKey>[1],
  ): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> => {
    const now = this.#o.clock.now();
    if (!this.#local || now - this.#fetchedAt > this.#o.maxAgeMs) await this.#refreshIfAllowed();
    if (!this.#local) throw refuse('keys_unavailable', "the issuer's keys are unavailable");
    try {
      return await this.#local(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // An unknown kid may be a key the issuer just rotated in: look again, within the limit.
      if (await this.#refreshIfAllowed()) return this.#local(header, token);
      throw err;
    }
  };

  /** Refreshes unless the last attempt was within the cooldown; true if it refreshed. */
  async #refreshIfAllowed(): Promise<boolean> {
    if (this.#pending) {
      await this.#pending;
      return true;
    }
    if (this.#o.clock.now() - this.#attemptedAt < this.#o.cooldownMs) return false;
    this.#attemptedAt = this.#o.clock.now();
    this.#pending = this.#refresh().finally(() => (this.#pending = undefined));
    await this.#pending;
    return true;
  }

  async #refresh(): Promise<void> {
    try {
      const doc = await this.#o.load();
      const keys = (doc as { keys?: unknown } | null)?.keys;
      if (!Array.isArray(keys)) throw new Error('JWKS document has no keys array');
      const usable = (keys as JWK[])
        .filter((k) => k !== null && typeof k === 'object' && !isWeakRsa(k))
        .slice(0, this.#o.maxKeys);
      const keysJson = JSON.stringify(usable);
      if (keysJson !== this.#keysJson) this.#o.onKeysChanged?.();
      this.#keysJson = keysJson;
      this.#local = createLocalJWKSet({ keys: usable });
      this.#fetchedAt = this.#o.clock.now();
    } catch (err) {
      this.#o.onFailure(err);
    }
  }
}
