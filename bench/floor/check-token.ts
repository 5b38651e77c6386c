/**
 * Before a server is measured, its first answer to the very request the load client sends must
 * be a token a resource server would accept: signed ES256 by a key of the server's JWKS, typed
 * `at+jwt`, for the tickets audience, with the scope asked for. Otherwise the bench stops: a
 * fast server answering errors or junk is not measured.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import {
  FORM,
  OIDC_AUTHORIZATION,
  TICKETS,
  clientCredentialsBody,
  exchangeBody,
  type ExchangeStep,
} from './requests.js';

/** Where a server answers and publishes its keys. */
export interface TokenEndpoint {
  readonly url: string;
  readonly kind: 'exchange' | 'client_credentials';
  /** Path of its JWKS. */
  readonly jwksPath: string;
}

/** POSTs the load client's first request; returns the verified token's claims. */
export async function checkFirstToken(
  server: TokenEndpoint,
  step: ExchangeStep,
): Promise<JWTPayload> {
  const exchange = server.kind === 'exchange';
  const res = await fetch(`${server.url}${exchange ? '/token-exchange' : '/token'}`, {
    method: 'POST',
    headers: {
      'content-type': FORM,
      ...(exchange ? {} : { authorization: OIDC_AUTHORIZATION }),
    },
    body: exchange ? exchangeBody(step) : clientCredentialsBody(),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${server.url} answered ${res.status}: ${text}`);
  const body = JSON.parse(text) as { access_token?: unknown };
  if (typeof body.access_token !== 'string')
    throw new Error(`${server.url} answered no access_token`);
  const jwks = (await (await fetch(`${server.url}${server.jwksPath}`)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
    algorithms: ['ES256'],
    typ: 'at+jwt',
    audience: TICKETS.audience,
    requiredClaims: ['iss', 'sub', 'exp', 'iat', 'jti'],
  });
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes('tickets:read'))
    throw new Error(`${server.url} issued a token without tickets:read: ${String(payload.scope)}`);
  return payload;
}
