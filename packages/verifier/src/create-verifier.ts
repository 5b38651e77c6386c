import { createRemoteJWKSet } from 'jose';
import { compileActorPatterns } from './actor-patterns.js';
import { throwIfRevoked } from './chain-revocation.js';
import { checkAccessToken, type VerifiedToken } from './check-access-token.js';
import { checkTransactionToken, type VerifiedTransactionToken } from './check-transaction-token.js';
import type { LineageEntry } from './delegation-claims.js';
import {
  ActorNotAllowed,
  DelegationTooDeep,
  InsufficientScope,
  RevocationStale,
  TokenRevoked,
  VerifierClosed,
} from './errors.js';
import { Introspection, type TokenKey } from './introspection.js';
import { RevocationFeed } from './revocation-feed.js';
import type { RevocationEntry } from './revocation-entry.js';
import { RevocationList } from './revocation-list.js';
import { VERIFIER_DEFAULTS } from './verifier-defaults.js';

/** How the verifier learns that a token was revoked before it expired. */
export type RevocationOptions =
  | {
      /** Follow the broker's revocation feed (SSE) and check every token locally. */
      readonly mode: 'feed';
      /** Operator API key with the `resource_server` role. */
      readonly apiKey: string;
      /** Seconds of feed silence after which the verifier stops trusting its list (default 5). */
      readonly maxStaleness?: number;
      /** What to do while the feed is stale: refuse every token, or ask the broker per token. */
      readonly onStale?: 'fail-closed' | 'introspect';
      /** Cache of the introspection fallback, in seconds (default 1). */
      readonly introspectionCacheTtl?: number;
      /** Every entry heard, e.g. for a log line. */
      readonly onRevocation?: (entry: RevocationEntry) => void;
      /** Feed connection problems (the feed retries by itself). */
      readonly onError?: (err: Error) => void;
    }
  | {
      /** Ask the broker (RFC 7662) for each token, with a short cache. */
      readonly mode: 'introspect';
      readonly apiKey: string;
      /** Seconds an active answer is reused (default 1). */
      readonly cacheTtl?: number;
    }
  | {
      /** Trust a token until it expires: only for APIs that accept minutes of stale access. */
      readonly mode: 'none';
    };

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /** The broker's `iss`, exactly as it signs it. */
  readonly issuer: string;
  /** This API's audience (the resource's `audience` in the broker's catalogue). */
  readonly audience: string | readonly string[];
  readonly revocation: RevocationOptions;
  /** Where the broker answers, when it differs from `issuer` (default `issuer`). */
  readonly brokerUrl?: string;
  /**
   * Where the revocation feed answers (default `brokerUrl`): the broker's operator listener,
   * when it serves the operator API on a listener of its own (`admin.listen`).
   */
  readonly feedUrl?: string;
  /** The JWKS location (default `{brokerUrl}/.well-known/jwks.json`). */
  readonly jwksUri?: string;
  /** Signature algorithms accepted (default ES256, ES384, EdDSA, Ed25519). */
  readonly algorithms?: readonly string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat` (default 5). */
  readonly clockTolerance?: number;
  /** Tokens longer than this are refused before any parsing (default 8192). */
  readonly maxTokenBytes?: number;
  /** Wall clock for token times, injectable for tests (ms since the epoch). */
  readonly clock?: { now(): number };
  /**
   * Seconds after a JWKS fetch during which an unknown `kid` does not fetch it again (default 5):
   * bounds how long a freshly rotated key is refused, and how often junk tokens reach the broker.
   */
  readonly jwksRefetchCooldown?: number;
  /** Timeout of the broker's introspection endpoint, in seconds (default 2). */
  readonly brokerTimeout?: number;
  /**
   * Most acting agents (`act` levels) a delegated token may carry: A -> B is 1, A -> B -> C is 2;
   * 0 accepts direct tokens only (default: no limit beyond the broker's own).
   */
  readonly maxDelegationDepth?: number;
  /**
   * Agent ids, or patterns ending in `/*` (one path segment or more), that may act on a
   * delegated token: its current actor must match one. Direct tokens have no actor and are
   * not affected (default: any actor the broker allowed).
   */
  readonly allowedActors?: readonly string[];
}

/** Options of one {@link Verifier.verify} call. */
export interface VerifyOptions {
  /** Scopes the operation needs; each must be in the token. */
  readonly scopes?: readonly string[];
}

/** The state of the revocation side, for a readiness endpoint or a log. */
export interface RevocationStatus {
  readonly mode: RevocationOptions['mode'];
  /** False when verify() would refuse (or fall back) for want of a fresh feed. */
  readonly fresh: boolean;
  /** Milliseconds since the feed last showed life (feed mode). */
  readonly silentForMs?: number;
  /** Revocations held (feed mode). */
  readonly held?: number;
  /** Where the feed resumes (feed mode). */
  readonly cursor?: string | undefined;
}

/** A verifier of the broker's access tokens. */
export interface Verifier {
  /** Resolves to the token's claims, or rejects with a `VerifierError` (see errors.ts). */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedToken>;
  /**
   * Checks a transaction token (`txntoken+jwt`, the `Txn-Token` header) the same way: the
   * broker's keys, issuer, this API's audience, times, shape, and revocation of the grant it is
   * bound to and of its lineage; `scopes` are looked for in `tctx.scope`.
   */
  verifyTransactionToken(token: string, options?: VerifyOptions): Promise<VerifiedTransactionToken>;
  /** Resolves once revocation state is usable (feed mode: first catch-up done). */
  ready(): Promise<void>;
  status(): RevocationStatus;
  /** Stops the feed and its timers; later verify() calls reject with ERR_VERIFIER_CLOSED. */
  close(): Promise<void>;
}

/**
 * Builds a verifier of the broker's access tokens: signature by the broker's JWKS (cached,
 * fetched again on an unknown `kid`), `typ: at+jwt`, issuer, audience, times, scopes, and
 * revocation by feed, introspection or not at all.
 *
 * @example
 * const verifier = createVerifier({
 *   issuer: 'https://mandate.internal',
 *   audience: 'https://tickets.example',
 *   revocation: { mode: 'feed', apiKey: process.env.MANDATE_API_KEY! },
 * });
 * const token = await verifier.verify(bearer, { scopes: ['tickets:read'] });
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const d = VERIFIER_DEFAULTS;
  const brokerUrl = (options.brokerUrl ?? options.issuer).replace(/\/+$/, '');
  const clock = options.clock ?? Date;
  const clockTolerance = options.clockTolerance ?? d.clockToleranceSeconds;
  const keys = createRemoteJWKSet(
    new URL(options.jwksUri ?? `${brokerUrl}/.well-known/jwks.json`),
    {
      cooldownDuration: (options.jwksRefetchCooldown ?? d.jwksRefetchCooldownSeconds) * 1000,
      cacheMaxAge: d.jwksCacheMaxAgeMs,
    },
  );
  const check = {
    keys,
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms ?? d.algorithms,
    clockTolerance,
    maxTokenBytes: options.maxTokenBytes ?? d.maxTokenBytes,
  };
  const maxDepth = options.maxDelegationDepth ?? Infinity;
  if (!(maxDepth === Infinity || (Number.isInteger(maxDepth) && maxDepth >= 0)))
    throw new TypeError('maxDelegationDepth must be a whole number, 0 or more');
  const actorAllowed = options.allowedActors && compileActorPatterns(options.allowedActors);
  const revocation = options.revocation;
  const introspect = (apiKey: string, cacheSeconds: number) =>
    new Introspection({
      url: `${brokerUrl}/introspect`,
      apiKey,
      cacheMs: cacheSeconds * 1000,
      maxEntries: d.introspectionCacheEntries,
      timeoutMs: (options.brokerTimeout ?? d.brokerTimeoutSeconds) * 1000,
    });

  let closed = false;
  let list: RevocationList | undefined;
  let feed: RevocationFeed | undefined;
  let prune: NodeJS.Timeout | undefined;
  let introspection: Introspection | undefined;
  let maxStalenessMs = Infinity;
  if (revocation.mode === 'feed') {
    maxStalenessMs = (revocation.maxStaleness ?? d.maxStalenessSeconds) * 1000;
    const held = new RevocationList({ graceSeconds: clockTolerance });
    list = held;
    feed = new RevocationFeed({
      brokerUrl: options.feedUrl ?? brokerUrl,
      apiKey: revocation.apiKey,
      silenceLimitMs: maxStalenessMs,
      onEntry: (entry) => {
        held.apply(entry);
        revocation.onRevocation?.(entry);
      },
      ...(revocation.onError ? { onError: revocation.onError } : {}),
    });
    feed.start();
    prune = setInterval(() => held.prune(Math.floor(clock.now() / 1000)), d.pruneEveryMs);
    prune.unref();
    if (revocation.onStale === 'introspect')
      introspection = introspect(
        revocation.apiKey,
        revocation.introspectionCacheTtl ?? d.introspectionCacheSeconds,
      );
  } else if (revocation.mode === 'introspect') {
    introspection = introspect(
      revocation.apiKey,
      revocation.cacheTtl ?? d.introspectionCacheSeconds,
    );
  }
  const fresh = () => feed === undefined || feed.silentForMs() <= maxStalenessMs;

  /** Revocation of the token's own grant and its lineage, by feed or by the broker. */
  async function ensureLive(
    token: string,
    key: TokenKey,
    grant: LineageEntry,
    lineage: readonly LineageEntry[],
  ): Promise<void> {
    if (list) throwIfRevoked(list, grant, lineage);
    // A stale feed in fallback mode and introspect mode both ask the broker about this token;
    // the broker answers for the whole delegation chain.
    if (revocation.mode === 'introspect' || (feed && !fresh())) {
      if (!introspection)
        throw new RevocationStale(
          'the revocation feed is stale, so no token can be trusted right now',
        );
      if (!(await introspection.isActive(token, key)))
        throw new TokenRevoked('the broker says the token is no longer active');
    }
  }

  const now = () => new Date(clock.now());

  return {
    async verify(token, verifyOptions = {}) {
      if (closed) throw new VerifierClosed('the verifier is closed');
      const verified = await checkAccessToken(token, { ...check, now: now() });
      if (verified.depth > maxDepth)
        throw new DelegationTooDeep(
          `the token was delegated ${verified.depth} times; this API accepts at most ${maxDepth}`,
        );
      const actor = verified.actors[0];
      if (actor !== undefined && actorAllowed && !actorAllowed(actor))
        throw new ActorNotAllowed(`the agent ${actor} may not act on delegated tokens here`);
      await ensureLive(
        token,
        { claim: 'jti', value: verified.grantId },
        verified,
        verified.lineage,
      );
      requireScopes(verified.scopes, verifyOptions.scopes);
      return verified;
    },
    async verifyTransactionToken(token, verifyOptions = {}) {
      if (closed) throw new VerifierClosed('the verifier is closed');
      const verified = await checkTransactionToken(token, { ...check, now: now() });
      await ensureLive(
        token,
        { claim: 'txn', value: verified.txn },
        verified.grant,
        verified.lineage,
      );
      requireScopes(verified.scopes, verifyOptions.scopes);
      return verified;
    },
    ready: () => feed?.synced() ?? Promise.resolve(),
    status: () =>
      feed
        ? {
            mode: revocation.mode,
            fresh: fresh(),
            silentForMs: feed.silentForMs(),
            held: list?.size ?? 0,
            cursor: feed.cursor,
          }
        : { mode: revocation.mode, fresh: true },
    async close() {
      closed = true;
      clearInterval(prune);
      await feed?.close();
    },
  };
}

/** Refuses with {@link InsufficientScope} naming every scope needed, when one is missing. */
function requireScopes(held: readonly string[], required: readonly string[] = []): void {
  const missing = required.filter((s) => !held.includes(s));
  if (missing.length > 0)
    throw new InsufficientScope(`the token lacks the scope ${missing.join(' ')}`, required.slice());
}

export type { VerifiedToken, VerifiedTransactionToken };
