import { createLocalJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock.js';
import { ACCESS_TOKEN_TYP } from '../tokens/mint-token.js';
import type { KeyRing } from '../tokens/key-ring.js';
import {
  TXN_TOKEN_TYP,
  type TransactionContext,
  type TransactionTokenClaims,
} from '../tokens/mint-transaction-token.js';
import { parseLineage, type LineageEntry } from '../tokens/token-lineage.js';

/** RFC 8693 `act`: the current actor, earlier actors nested inside. */
export interface ActClaim {
  readonly sub: string;
  readonly act?: ActClaim;
}

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
  /** The targets the intent named. */
  readonly targets?: readonly string[];
  /** The granted RFC 9396 details, as signed (section 9.2: introspection returns them). */
  readonly authorization_details?: readonly Record<string, unknown>[];
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

function mayActOf(value: unknown): { sub: string[] } | null {
  const sub = (value as { sub?: unknown } | null)?.sub;
  return Array.isArray(sub) && sub.every((s) => typeof s === 'string') ? { sub } : null;
}

/** Why a token is not a live token of this broker, in words a refusal can name. */
export type OwnTokenProblem = 'expired' | 'not_ours';

/** An access token checked: its claims and whole payload, or why it was refused. */
export type AccessTokenCheck =
  | { readonly ok: true; readonly claims: OwnTokenClaims; readonly payload: JWTPayload }
  | { readonly ok: false; readonly problem: OwnTokenProblem };

/** A transaction token of this broker, after its signature checked out. */
export type OwnTransactionTokenClaims = TransactionTokenClaims & { readonly iss: string };

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
    const checked = await this.checkAccessToken(token);
    return checked.ok ? checked.claims : null;
  }

  /**
   * An `at+jwt` of this broker: its claims and payload (`act`, `lineage`, `targets` as signed),
   * or why it is refused (`expired`, or `not_ours`: malformed, foreign or forged).
   */
  async checkAccessToken(token: string): Promise<AccessTokenCheck> {
    const verified = await this.#verified(token, ACCESS_TOKEN_TYP);
    if (!verified.ok) return verified;
    const claims = accessClaims(verified.payload, this.#issuer);
    return claims
      ? { ok: true, claims, payload: verified.payload }
      : { ok: false, problem: 'not_ours' };
  }

  /** The claims of an unexpired `txntoken+jwt` signed by this broker, or null. */
  async verifyTransactionToken(token: string): Promise<OwnTransactionTokenClaims | null> {
    const verified = await this.#verified(token, TXN_TOKEN_TYP);
    return verified.ok ? transactionClaims(verified.payload, this.#issuer) : null;
  }

  /** Signature (by our key ring only), issuer, `typ` and expiry; nothing of the claims' shape. */
  async #verified(
    token: string,
    typ: string,
  ): Promise<{ ok: true; payload: JWTPayload } | { ok: false; problem: OwnTokenProblem }> {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'not_ours' };
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#issuer,
        typ,
        algorithms: this.#algorithms,
        currentDate: new Date(this.#clock.now()),
      });
      return { ok: true, payload };
    } catch (err) {
      // jose checks the signature before the claims: only a token we signed is "expired".
      const expired = (err as { code?: unknown }).code === 'ERR_JWT_EXPIRED';
      return { ok: false, problem: expired ? 'expired' : 'not_ours' };
    }
  }
}

/** The claims an access token of ours must carry, or null when one is missing. */
function accessClaims(payload: JWTPayload, issuer: string): OwnTokenClaims | null {
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
  const lineage = parseLineage(payload.lineage);
  const mayAct = payload.may_act === undefined ? undefined : mayActOf(payload.may_act);
  const { targets, authorization_details: details } = payload;
  if (act === null || lineage === null || mayAct === null) return null;
  if (targets !== undefined && !isStringArray(targets)) return null;
  if (details !== undefined && !isObjectArray(details)) return null;
  return {
    ...(targets !== undefined ? { targets } : {}),
    ...(details !== undefined ? { authorization_details: details } : {}),
    ...(act ? { act: payload.act as ActClaim } : {}),
    ...(lineage ? { lineage } : {}),
    ...(mayAct ? { may_act: mayAct } : {}),
    iss: issuer,
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
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isObjectArray(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
  );
}

/** The claims of a transaction token of ours, or null when its shape is not the one we mint. */
function transactionClaims(payload: JWTPayload, issuer: string): OwnTransactionTokenClaims | null {
  const tctx = transactionContext(payload.tctx);
  const lineage = parseLineage(payload.lineage);
  if (
    !tctx ||
    lineage === null ||
    typeof payload.txn !== 'string' ||
    typeof payload.sub !== 'string' ||
    typeof payload.aud !== 'string' ||
    typeof payload.purp !== 'string' ||
    typeof payload.exp !== 'number' ||
    typeof payload.iat !== 'number'
  )
    return null;
  const rctx = payload.rctx as { req_ip?: unknown } | undefined;
  return {
    iss: issuer,
    txn: payload.txn,
    sub: payload.sub,
    aud: payload.aud,
    purp: payload.purp,
    tctx,
    ...(lineage ? { lineage } : {}),
    ...(typeof rctx?.req_ip === 'string' ? { rctx: { req_ip: rctx.req_ip } } : {}),
    iat: payload.iat,
    exp: payload.exp,
  };
}

function transactionContext(value: unknown): TransactionContext | null {
  const t = value as Record<string, unknown> | null | undefined;
  const grant = t?.grant as Record<string, unknown> | null | undefined;
  const strings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (
    typeof t !== 'object' ||
    t === null ||
    typeof t.task !== 'string' ||
    typeof t.client_id !== 'string' ||
    typeof t.scope !== 'string' ||
    typeof t.tier !== 'string' ||
    !strings(t.targets) ||
    !strings(t.chain) ||
    typeof grant !== 'object' ||
    grant === null ||
    typeof grant.client_id !== 'string' ||
    typeof grant.task !== 'string' ||
    typeof grant.jti !== 'string' ||
    typeof grant.iat !== 'number'
  )
    return null;
  return {
    task: t.task,
    client_id: t.client_id,
    scope: t.scope,
    tier: t.tier,
    targets: t.targets,
    chain: t.chain,
    grant: { client_id: grant.client_id, task: grant.task, jti: grant.jti, iat: grant.iat },
  };
}
