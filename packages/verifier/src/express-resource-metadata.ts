import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  protectedResourceMetadata,
  resourceMetadataPaths,
  type ProtectedResourceOptions,
} from './protected-resource.js';
import { VERIFIER_DEFAULTS } from './verifier-defaults.js';

/**
 * Express middleware serving the resource's RFC 9728 metadata on `GET` (and `HEAD`) of
 * `/.well-known/oauth-protected-resource` with the resource's path appended (section 3.1) and of
 * the root form; any other request goes on to `next()`. Mount it at the application's root.
 * The document is built once, so a bad option throws at startup, not per request.
 *
 * @example
 * app.use(serveResourceMetadata({
 *   resource: 'https://tickets.example/api',
 *   authorizationServers: ['https://mandate.internal'],
 *   scopesSupported: ['tickets:read', 'tickets:write'],
 * }));
 */
export function serveResourceMetadata(options: ProtectedResourceOptions): RequestHandler {
  const body = JSON.stringify(protectedResourceMetadata(options));
  const paths = new Set(resourceMetadataPaths(options.resource));
  const maxAge = VERIFIER_DEFAULTS.resourceMetadataMaxAgeSeconds;
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !paths.has(req.path)) {
      next();
      return;
    }
    res
      .status(200)
      .set({
        'Content-Type': 'application/json',
        'Cache-Control': `public, max-age=${maxAge}`,
        'X-Content-Type-Options': 'nosniff',
      })
      .send(body);
  };
}
