// Express enters only as types: the answers of every middleware of this package to a refused
// request, in one place.
import type { Response } from 'express';
import { InsufficientScope, RequestMalformed, TokenMissing, type VerifierError } from './errors.js';

/** The token of an `Authorization: Bearer` header (RFC 6750 section 2.1), or a refusal. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || !/^Bearer(?: |$)/i.test(header))
    throw new TokenMissing('a bearer token is required');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) throw new RequestMalformed('the Authorization header is not "Bearer <token>"');
  return match[1]!;
}

/** What a refusal's `WWW-Authenticate` challenge names besides the error. */
export interface Challenge {
  readonly scheme: 'Bearer' | 'Txn-Token';
  readonly realm: string | undefined;
  /** RFC 9728 `resource_metadata`. */
  readonly metadata: string | URL | undefined;
}

/**
 * Answers a refusal: the RFC 6750 challenge (with RFC 9728 `resource_metadata` when known),
 * `Cache-Control: no-store`, and `{error, error_description, code}` when there is an error to name.
 */
export function refuse(res: Response, err: VerifierError, challenge: Challenge): void {
  const params = challenge.realm === undefined ? [] : [`realm="${quoted(challenge.realm)}"`];
  if (err.oauthError !== undefined && err.oauthError !== 'temporarily_unavailable') {
    params.push(`error="${err.oauthError}"`, `error_description="${quoted(err.message)}"`);
    if (err instanceof InsufficientScope)
      params.push(`scope="${quoted(err.requiredScopes.join(' '))}"`);
  }
  if (challenge.metadata !== undefined)
    params.push(`resource_metadata="${quoted(String(challenge.metadata))}"`);
  if (err.status !== 503)
    res.set('WWW-Authenticate', [challenge.scheme, params.join(', ')].join(' ').trim());
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
