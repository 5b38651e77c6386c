import { performance } from 'node:perf_hooks';
import { BrokerUnavailable } from './errors.js';

/** Options of an {@link Introspection} client. */
export interface IntrospectionOptions {
  /** `POST` endpoint, e.g. `https://mandate.internal/introspect`. */
  readonly url: string;
  /** An operator API key with the `resource_server` role. */
  readonly apiKey: string;
  /** How long (ms) an `active: true` answer is reused; revocation shows after at most this. */
  readonly cacheMs: number;
  /** Answers kept at most, oldest dropped first. */
  readonly maxEntries: number;
  /** A broker slower than this (ms) counts as unavailable. */
  readonly timeoutMs: number;
}

interface Cached {
  /** Monotonic ms after which the answer is asked again. */
  readonly until: number;
  readonly active: Promise<boolean>;
}

/** What names a token in the cache: `jti` of an access token, `txn` of a transaction token. */
export interface TokenKey {
  readonly claim: 'jti' | 'txn';
  readonly value: string;
}

/**
 * Asks the broker whether a token is live (RFC 7662), with a short cache keyed by `jti` (or
 * `txn` for a transaction token).
 * Inactive answers are kept for good: a revoked or expired token never comes back. Concurrent
 * checks of one token share one request.
 *
 * @example
 * const live = await introspection.isActive(token, { claim: 'jti', value: jti });
 */
export class Introspection {
  readonly #o: IntrospectionOptions;
  readonly #cache = new Map<string, Cached>();

  constructor(options: IntrospectionOptions) {
    this.#o = options;
  }

  /** True while the broker says the token is active; throws {@link BrokerUnavailable}. */
  async isActive(token: string, key: TokenKey): Promise<boolean> {
    const id = `${key.claim}:${key.value}`;
    const now = performance.now();
    const cached = this.#cache.get(id);
    if (cached && cached.until > now) return cached.active;
    const active = this.#ask(token, key);
    this.#remember(id, { until: now + this.#o.cacheMs, active });
    try {
      const answer = await active;
      if (!answer) this.#remember(id, { until: Infinity, active });
      return answer;
    } catch (err) {
      this.#cache.delete(id);
      throw err;
    }
  }

  #remember(id: string, entry: Cached): void {
    this.#cache.delete(id);
    this.#cache.set(id, entry);
    if (this.#cache.size > this.#o.maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
  }

  async #ask(token: string, key: TokenKey): Promise<boolean> {
    let res: Response;
    try {
      res = await fetch(this.#o.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.#o.apiKey}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        // RFC 7662 names no hint for transaction tokens; the broker tells them by their typ.
        body: new URLSearchParams(
          key.claim === 'jti' ? { token, token_type_hint: 'access_token' } : { token },
        ),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (err) {
      throw new BrokerUnavailable('the introspection endpoint did not answer', { cause: err });
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new BrokerUnavailable(`the introspection endpoint answered ${res.status}`);
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (body === null || typeof body.active !== 'boolean')
      throw new BrokerUnavailable('the introspection answer has no "active" member');
    // An active answer about another token would be a broker bug; never trust it.
    const named = body[key.claim];
    return body.active && (named === undefined || named === key.value);
  }
}
