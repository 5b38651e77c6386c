// Express enters only as types, so `@mandate/verifier` and this file load without express
// installed; an API that uses this middleware brings its own express.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VerifiedToken } from './check-access-token.js';
import type { VerifiedTransactionToken } from './check-transaction-token.js';
import type { Verifier } from './create-verifier.js';
import {
  InsufficientScope,
  isVerifierError,
  RequestMalformed,
  TokenMissing,
  TxnTokenMissing,
  type VerifierError,
} from './errors.js';

/** Options of {@link requireMandate}. */
export interface RequireMandateOptions {
  readonly verifier: Verifier;
  /** Scopes the route needs; each must be in the token. */
  readonly scopes?: readonly string[];
  /** `realm` of the `WWW-Authenticate` challenge. */
  readonly realm?: string;
}

/** Options of {@link requireTransactionToken}. */
export type RequireTransactionTokenOptions = RequireMandateOptions;

const verified = new WeakMap<Request, VerifiedToken>();
const transactions = new WeakMap<Request, VerifiedTransactionToken>();

/**
 * The token {@link requireMandate} accepted for this request: `agentId` acts now, for
 * `subject`, through `actors` (current first) and the ancestor grants in `lineage`.
 */
export function mandateOf(req: Request): VerifiedToken {
  const token = verified.get(req);
  if (!token) throw new Error('mandateOf() called on a route without requireMandate()');
  return token;
}

/**
 * Express middleware admitting only requests with a live broker token that holds `scopes`.
 * Refusals follow RFC 6750: 401 with `WWW-Authenticate: Bearer error="invalid_token"`, 403 with
 * `error="insufficient_scope"` and the scopes needed, 503 with `Retry-After` while the verifier
 * cannot tell whether tokens are revoked. The body is `{error, error_description}`.
 *
 * @example
 * app.get('/tickets/:id', requireMandate({ verifier, scopes: ['tickets:read'] }), (req, res) => {
 *   res.json({ agent: mandateOf(req).agentId });
 * });
 */
export function requireMandate(options: RequireMandateOptions): RequestHandler {
  const scopes = options.scopes ?? [];
  return (req: Request, res: Response, next: NextFunction) => {
    let token: string;
    try {
      token = bearerToken(req.get('authorization'));
    } catch (err) {
      refuse(res, err as VerifierError, options.realm, 'Bearer');
      return;
    }
    options.verifier.verify(token, { scopes }).then(
      (accepted) => {
        verified.set(req, accepted);
        next();
      },
      (err: unknown) => {
        if (isVerifierError(err)) refuse(res, err, options.realm, 'Bearer');
        else next(err);
      },
    );
  };
}

/** The transaction token {@link requireTransactionToken} accepted for this request. */
export function transactionOf(req: Request): VerifiedTransactionToken {
  const token = transactions.get(req);
  if (!token)
    throw new Error('transactionOf() called on a route without requireTransactionToken()');
  return token;
}

/**
 * Express middleware for a service inside the trust domain: admits only requests whose
 * `Txn-Token` header holds a live transaction token for this audience, with `scopes` in its
 * `tctx.scope`; handlers read it with {@link transactionOf}. Refusals are answered as by
 * {@link requireMandate}, the challenge naming the `Txn-Token` scheme: 401 when the header is
 * missing (`invalid_request`) or the token is not acceptable (`invalid_token`).
 *
 * @example
 * app.post('/refunds', requireTransactionToken({ verifier, scopes: ['payments:refund'] }), (req, res) => {
 *   const { txn, context } = transactionOf(req);
 *   log.info({ txn, task: context.task, chain: context.chain });
 * });
 */
export function requireTransactionToken(options: RequireTransactionTokenOptions): RequestHandler {
  const scopes = options.scopes ?? [];
  return (req: Request, res: Response, next: NextFunction) => {
    let token: string;
    try {
      token = txnToken(req.get('txn-token'));
    } catch (err) {
      refuse(res, err as VerifierError, options.realm, 'Txn-Token');
      return;
    }
    options.verifier.verifyTransactionToken(token, { scopes }).then(
      (accepted) => {
        transactions.set(req, accepted);
        next();
      },
      (err: unknown) => {
        if (isVerifierError(err)) refuse(res, err, options.realm, 'Txn-Token');
        else next(err);
      },
    );
  };
}

/** The `Txn-Token` header holds the compact JWT alone (draft-ietf-oauth-transaction-tokens). */
function txnToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '')
    throw new TxnTokenMissing('a Txn-Token header is required');
  const match = /^ *([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*) *$/.exec(header);
  if (!match) throw new RequestMalformed('the Txn-Token header is not one compact JWT');
  return match[1]!;
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || !/^Bearer(?: |$)/i.test(header))
    throw new TokenMissing('a bearer token is required');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) throw new RequestMalformed('the Authorization header is not "Bearer <token>"');
  return match[1]!;
}

function refuse(
  res: Response,
  err: VerifierError,
  realm: string | undefined,
  scheme: 'Bearer' | 'Txn-Token',
): void {
  const params = realm === undefined ? [] : [`realm="${quoted(realm)}"`];
  if (err.oauthError !== undefined && err.oauthError !== 'temporarily_unavailable') {
    params.push(`error="${err.oauthError}"`, `error_description="${quoted(err.message)}"`);
    if (err instanceof InsufficientScope)
      params.push(`scope="${quoted(err.requiredScopes.join(' '))}"`);
  }
  if (err.status !== 503) res.set('WWW-Authenticate', [scheme, params.join(', ')].join(' ').trim());
  else res.set('Retry-After', '1');
  res.set('Cache-Control', 'no-store');
  if (err.oauthError === undefined) {
    res.status(err.status).end();
    return;
  }
  res
    .status(err.status)
    .json({ error: err.oauthError, error_description: err.message, code: err.code });
}

/** A quoted-string keeps to printable ASCII without `"` or `\` (RFC 6750 section 3). */
function quoted(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
}
