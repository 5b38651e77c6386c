import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock.js';
import { ACCESS_TOKEN_TYP } from '../tokens/mint-token.js';
import type { KeyRing } from '../tokens/key-ring.js';

/** The claims of a token this broker minted, after its signature checked out. */
export interface OwnTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly scope: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  readonly task_id: string;
  readonly tier: string;
}

/** Longer than any token the broker mints; anything above is refused before any crypto. */
const MAX_TOKEN_LENGTH = 8192;

/** Options of {@link OwnTokenVerifier}. */
export interface OwnTokenVerifierOptions {
  readonly issuer: string;
  readonly keyRing: KeyRing;
  readonly clock: Clock;
}

/**
 * Verifies tokens minted by this broker against its own key ring (never a key named by the
 * token), before anything looks the grant up: a forged `jti` never reaches the store.
 */
export class OwnTokenVerifier {
  readonly #issuer: string;
  readonly #clock: Clock;
  readonly #keys: JWTVerifyGetKey;
  readonly #algorithms: string[];

  constructor(options: OwnTokenVerifierOptions) {
    this.#issuer = options.issuer;
    this.#clock = options.clock;
    this.#keys = createLocalJWKSet(options.keyRing.jwks());
    this.#algorithms = [...new Set(options.keyRing.keys.map((k) => k.alg))];
  }

  /**
   * The token's claims, or null when it is not a well-formed, unexpired `at+jwt` signed by
   * this broker.
   */
  async verify(token: string): Promise<OwnTokenClaims | null> {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#issuer,
        typ: ACCESS_TOKEN_TYP,
        algorithms: this.#algorithms,
        currentDate: new Date(this.#clock.now()),
      });
      const task = payload.task as { id?: unknown } | undefined;
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.aud !== 'string' ||
        typeof payload.jti !== 'string' ||
        typeof payload.exp !== 'number' ||
        typeof payload.iat !== 'number' ||
        typeof task?.id !== 'string'
      )
        return null;
      return {
        iss: this.#issuer,
        sub: payload.sub,
        aud: payload.aud,
        scope: typeof payload.scope === 'string' ? payload.scope : '',
        exp: payload.exp,
        iat: payload.iat,
        jti: payload.jti,
        client_id: typeof payload.client_id === 'string' ? payload.client_id : payload.sub,
        task_id: task.id,
        tier: typeof payload.tier === 'string' ? payload.tier : '',
      };
    } catch {
      return null;
    }
  }
}
