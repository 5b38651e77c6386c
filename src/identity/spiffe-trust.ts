import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { SpiffeBundle } from './spiffe-bundle.js';

/** What the broker trusts of one SPIFFE trust domain. */
export interface SpiffeTrustDomain {
  readonly trustDomain: string;
  /** A JWT-SVID must name one of these in `aud`. */
  readonly audiences: readonly string[];
  /** Resolves a JWT-SVID's `kid` to a key of this domain's bundle only. */
  readonly getKey: JWTVerifyGetKey;
  readonly bundle: SpiffeBundle;
}

/** The configured SPIFFE trust domains and their current bundles. */
export class SpiffeTrust {
  readonly #domains = new Map<string, SpiffeTrustDomain>();
  readonly #onKeysChanged: () => void;

  /** `onKeysChanged` runs when a bundle's keys differ from the ones it replaces. */
  constructor(options: { onKeysChanged?: () => void } = {}) {
    this.#onKeysChanged = options.onKeysChanged ?? (() => {});
  }

  /** Installs (or replaces) the bundle of a trust domain. */
  setBundle(bundle: SpiffeBundle, audiences: readonly string[]): void {
    const previous = this.#domains.get(bundle.trustDomain)?.bundle.jwtAuthorities;
    if (JSON.stringify(previous) !== JSON.stringify(bundle.jwtAuthorities)) this.#onKeysChanged();
    this.#domains.set(bundle.trustDomain, {
      trustDomain: bundle.trustDomain,
      audiences,
      bundle,
      // jose only selects keys whose `use` is absent or "sig"; the bundle already kept only
      // the jwt-svid authorities, so their use is restated in JOSE terms.
      getKey: createLocalJWKSet({ keys: bundle.jwtAuthorities.map((k) => ({ ...k, use: 'sig' })) }),
    });
  }

  /** The trust domain, or undefined when it is not configured. */
  get(trustDomain: string): SpiffeTrustDomain | undefined {
    return this.#domains.get(trustDomain);
  }
}
