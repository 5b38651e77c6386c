import { Router } from 'express';
import type { KeyRing } from '../../tokens/key-ring.js';
import { TOKEN_EXCHANGE_GRANT } from '../exchange-request-schema.js';

/** The authorization server metadata document (RFC 8414). */
export function serverMetadata(issuer: string, keyRing: KeyRing): Record<string, unknown> {
  const base = issuer.replace(/\/$/, '');
  return {
    issuer,
    token_endpoint: `${base}/token-exchange`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    grant_types_supported: [TOKEN_EXCHANGE_GRANT],
    token_endpoint_auth_methods_supported: ['none'],
    response_types_supported: [],
    scopes_supported: [],
    access_token_signing_alg_values_supported: [...new Set(keyRing.keys.map((k) => k.alg))],
  };
}

/** `GET /.well-known/jwks.json` and `GET /.well-known/oauth-authorization-server`. */
export function wellKnownRoutes(options: { issuer: string; keyRing: KeyRing }): Router {
  const metadata = serverMetadata(options.issuer, options.keyRing);
  return Router()
    .get('/.well-known/jwks.json', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(options.keyRing.jwks());
    })
    .get('/.well-known/oauth-authorization-server', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(metadata);
    });
}
