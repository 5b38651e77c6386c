import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock.js';
import { ACCESS_TOKEN_TYP, type LineageEntry } from '../tokens/mint-token.js';

/** RFC 8693 `act`: the current actor, earlier actors nested inside. */
export interface ActClaim {
  readonly sub: string;
  readonly act?: ActClaim;
}
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
  /** Delegated tokens: the actors (RFC 8693 section 4.1). */
  readonly act?: ActClaim;
  /** Who may act for the holder (RFC 8693 section 4.4). */
  readonly may_act?: { readonly sub: readonly string[] };
  /** Delegated tokens: the ancestors' grants, root first. */
  readonly lineage?: readonly LineageEntry[];
}

/** The actors of `act`, outermost (current) first; null when malformed or deeper than 16. */
export function actorsOf(act: unknown): string[] | null {
  const actors: string[] = [];
  let level = act;
  while (level !== undefined) {
    const { sub, act: inner } = (level ?? {}) as { sub?: unknown; act?: unknown };
    if (typeof sub !== 'string' || actors.length >= 16) return null;
    actors.push(sub);
    level = inner;
  }
  return actors;
}

function lineageOf(value: unknown): LineageEntry[] | null {
  if (!Array.isArray(value) || value.length > 16) return null;
  const ok = value.every((e) => {
    const { client_id: c, task, jti, iat } = (e ?? {}) as Record<string, unknown>;
    return (
      typeof c === 'string' &&
      typeof task === 'string' &&
      typeof jti === 'string' &&
      typeof iat === 'number'
    );
  });
  return ok ? (value as LineageEntry[]) : null;
}

function mayActOf(value: unknown): { sub: string[] } | null {
  const sub = (value as { sub?: unknown } | null)?.sub;
  return Array.isArray(sub) && sub.every((s) => typeof s === 'string') ? { sub } : null;
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
      const act = payload.act === undefined ? undefined : actorsOf(payload.act);
      const lineage = payload.lineage === undefined ? undefined : lineageOf(payload.lineage);
      const mayAct = payload.may_act === undefined ? undefined : mayActOf(payload.may_act);
      if (act === null || lineage === null || mayAct === null) return null;
      return {
        ...(act ? { act: payload.act as ActClaim } : {}),
        ...(lineage ? { lineage } : {}),
        ...(mayAct ? { may_act: mayAct } : {}),
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
