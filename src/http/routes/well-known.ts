import { Router } from 'express';
import type { Catalogue } from '../../intent/catalogue.js';
import type { KeyRing } from '../../tokens/key-ring.js';
import { AGENT_TASK_TYPE } from '../../intent/agent-task-detail.js';
import { GRANT_TYPES } from '../exchange-request-schema.js';

/**
 * The authorization server metadata document (RFC 8414): every endpoint the broker serves that
 * the IANA "OAuth Authorization Server Metadata" registry names, and how each authenticates.
 *
 * - Grants: RFC 8693 token exchange and RFC 7523 jwt-bearer, both at the token endpoint; RFC
 *   9396 authorization details of type `agent_task` (docs/mcp.md).
 * - Token and revocation endpoints: `none`. The subject token, or the token being revoked, is
 *   the proof; no client authenticates (a `client_id` parameter is accepted and ignored).
 * - Introspection: `Bearer`, an operator API key with the `resource_server` role. RFC 8414
 *   admits OAuth Access Token Types as introspection auth methods for exactly this.
 * - `response_types_supported` is required by RFC 8414 but absent: with no authorization
 *   endpoint the broker supports no response type, and section 3.2 omits members with zero
 *   elements (the OAuth WG's advice for servers without an authorization endpoint).
 */
export function serverMetadata(
  issuer: string,
  keyRing: KeyRing,
  catalogue: Catalogue,
): Record<string, unknown> {
  const base = issuer.replace(/\/$/, '');
  return {
    issuer,
    token_endpoint: `${base}/token-exchange`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    revocation_endpoint: `${base}/revoke`,
    introspection_endpoint: `${base}/introspect`,
    scopes_supported: [...new Set(catalogue.resources.flatMap((r) => Object.keys(r.scopes)))],
    grant_types_supported: [...GRANT_TYPES],
    authorization_details_types_supported: [AGENT_TASK_TYPE],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    introspection_endpoint_auth_methods_supported: ['Bearer'],
    access_token_signing_alg_values_supported: [...new Set(keyRing.keys.map((k) => k.alg))],
  };
}

/** `GET /.well-known/jwks.json` and `GET /.well-known/oauth-authorization-server`. */
export function wellKnownRoutes(options: {
  issuer: string;
  keyRing: KeyRing;
  catalogue: Catalogue;
}): Router {
  const metadata = serverMetadata(options.issuer, options.keyRing, options.catalogue);
  return Router()
    .get('/.well-known/jwks.json', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(options.keyRing.jwks());
    })
    .get('/.well-known/oauth-authorization-server', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(metadata);
    });
}
