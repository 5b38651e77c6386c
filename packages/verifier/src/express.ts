// Express enters only as types, so `@mandate/verifier` and this file load without express
// installed; an API that uses this middleware brings its own express.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VerifiedToken } from './check-access-token.js';
import type { VerifiedTransactionToken } from './check-transaction-token.js';
import type { Verifier } from './create-verifier.js';
import {
  isVerifierError,
  RequestMalformed,
  TxnTokenMissing,
  type VerifierError,
} from './errors.js';
import { bearerToken, refuse, type Challenge } from './refusal.js';

export { serveResourceMetadata } from './express-resource-metadata.js';
export {
  protectedResourceMetadata,
  resourceMetadataUrl,
  type ProtectedResourceMetadata,
  type ProtectedResourceOptions,
} from './protected-resource.js';

/** Options of {@link requireMandate}. */
export interface RequireMandateOptions {
  readonly verifier: Verifier;
  /** Scopes the route needs; each must be in the token. */
  readonly scopes?: readonly string[];
  /** `realm` of the `WWW-Authenticate` challenge. */
  readonly realm?: string;
  /**
   * The URL of this resource's RFC 9728 metadata ({@link resourceMetadataUrl}), sent as
   * `resource_metadata` in every challenge, so a client that was refused finds the broker.
   */
  readonly resourceMetadata?: string | URL;
}

/** Options of {@link requireTransactionToken}. */
export type RequireTransactionTokenOptions = Omit<RequireMandateOptions, 'resourceMetadata'>;

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
 * Refusals follow RFC 6750: 401 with `WWW-Authenticate: Bearer error="invalid_token"` (a bare
 * challenge when no token came), 403 with `error="insufficient_scope"` and the scopes needed,
 * 503 with `Retry-After` while the verifier cannot tell whether tokens are revoked; with
 * `resourceMetadata`, each challenge also names the metadata (RFC 9728 section 5.1). The body is
 * `{error, error_description}`.
 *
 * @example
 * app.get('/tickets/:id', requireMandate({ verifier, scopes: ['tickets:read'] }), (req, res) => {
 *   res.json({ agent: mandateOf(req).agentId });
 * });
 */
export function requireMandate(options: RequireMandateOptions): RequestHandler {
  const scopes = options.scopes ?? [];
  const challenge: Challenge = {
    scheme: 'Bearer',
    realm: options.realm,
    metadata: options.resourceMetadata,
  };
  return (req: Request, res: Response, next: NextFunction) => {
    let token: string;
    try {
      token = bearerToken(req.get('authorization'));
    } catch (err) {
      refuse(res, err as VerifierError, challenge);
      return;
    }
    options.verifier.verify(token, { scopes }).then(
      (accepted) => {
        verified.set(req, accepted);
        next();
      },
      (err: unknown) => {
        if (isVerifierError(err)) refuse(res, err, challenge);
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
  const challenge: Challenge = { scheme: 'Txn-Token', realm: options.realm, metadata: undefined };
  return (req: Request, res: Response, next: NextFunction) => {
    let token: string;
    try {
      token = txnToken(req.get('txn-token'));
    } catch (err) {
      refuse(res, err as VerifierError, challenge);
      return;
    }
    options.verifier.verifyTransactionToken(token, { scopes }).then(
      (accepted) => {
        transactions.set(req, accepted);
        next();
      },
      (err: unknown) => {
        if (isVerifierError(err)) refuse(res, err, challenge);
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
