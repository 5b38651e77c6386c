import type { Clock } from '../platform/clock.js';
import type { ClaimCondition } from './claim-conditions.js';
import type { FetchJson } from './fetch-json.js';
import { RemoteKeySet } from './remote-key-set.js';

/** One trusted OIDC issuer, as configured. */
export interface OidcIssuerConfig {
  /** Compared exactly with `iss`: no case folding, no trailing-slash normalising. */
  readonly issuer: string;
  /** Where the keys are; without it, from the issuer's discovery document. */
  readonly jwksUri?: string | undefined;
  readonly ca?: string | undefined;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly conditions: readonly ClaimCondition[];
  readonly agentIdTemplate: string;
  /** Set when the issuer's tokens may name a person an agent acts for (`person_id`). */
  readonly personIdTemplate?: string | undefined;
}

/** Bounds on fetching an issuer's discovery document and keys. */
export interface KeyFetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly cooldownMs: number;
  readonly maxKeys: number;
}

/** What an {@link OidcIssuer} needs. */
export interface OidcIssuerOptions {
  readonly config: OidcIssuerConfig;
  readonly fetchJson: FetchJson;
  readonly clock: Clock;
  readonly limits: KeyFetchLimits;
  readonly onFailure: (err: unknown) => void;
  /** Runs when the issuer's keys change (verified tokens are forgotten then). */
  readonly onKeysChanged?: () => void;
}

/**
 * A trusted OIDC issuer and its keys. Keys come from `jwks_uri` or from the `jwks_uri` of the
 * discovery document at `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal
 * the configured one exactly (OpenID Connect Discovery section 4.3). Nothing is fetched until
 * a token naming this exact issuer arrives.
 */
export class OidcIssuer {
  readonly config: OidcIssuerConfig;
  readonly keys: RemoteKeySet;
  readonly #o: OidcIssuerOptions;
  #discoveredJwksUri: string | undefined;

  constructor(options: OidcIssuerOptions) {
    this.#o = options;
    this.config = options.config;
    this.keys = new RemoteKeySet({
      load: () => this.#loadKeys(),
      clock: options.clock,
      maxAgeMs: options.limits.maxAgeMs,
      cooldownMs: options.limits.cooldownMs,
      maxKeys: options.limits.maxKeys,
      onFailure: options.onFailure,
      ...(options.onKeysChanged ? { onKeysChanged: options.onKeysChanged } : {}),
    });
  }

  async #loadKeys(): Promise<unknown> {
    const uri = this.config.jwksUri ?? this.#discoveredJwksUri ?? (await this.#discover());
    try {
      return await this.#get(uri);
    } catch (err) {
      // The discovery document may have moved the keys: look it up again next time.
      this.#discoveredJwksUri = undefined;
      throw err;
    }
  }

  async #discover(): Promise<string> {
    const base = this.config.issuer.replace(/\/$/, '');
    const doc = (await this.#get(`${base}/.well-known/openid-configuration`)) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    } | null;
    if (doc?.issuer !== this.config.issuer)
      throw new Error(`discovery document of ${this.config.issuer} names another issuer`);
    if (typeof doc.jwks_uri !== 'string' || !doc.jwks_uri.startsWith('https://'))
      throw new Error(`discovery document of ${this.config.issuer} has no https jwks_uri`);
    this.#discoveredJwksUri = doc.jwks_uri;
    return doc.jwks_uri;
  }

  #get(url: string): Promise<unknown> {
    return this.#o.fetchJson(url, {
      timeoutMs: this.#o.limits.timeoutMs,
      maxBytes: this.#o.limits.maxBytes,
      ca: this.config.ca,
    });
  }
}
