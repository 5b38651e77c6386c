import type { RequestHandler } from 'express';
import { readBody } from './read-body.js';

/**
 * Parses `application/x-www-form-urlencoded` or `application/json` bodies up to `limit` bytes
 * into `req.body`, as the token endpoint reads them (read-body.ts): anything else is refused
 * with 415, and a declared `Content-Length` over the limit with 413, before the body is read.
 */
export function parseBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    readBody(req, limit).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}

/** Marks a response as never to be cached (RFC 6749 section 5.1). */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  next();
};
