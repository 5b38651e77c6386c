import express, { type RequestHandler } from 'express';
import { MandateError } from '../errors.js';

/**
 * Parses `application/x-www-form-urlencoded` or `application/json` bodies up to `limit` bytes;
 * anything else is refused with 415, and a declared `Content-Length` over the limit with 413,
 * before the body is read.
 */
export function parseBody(limit: number): RequestHandler[] {
  const form = express.urlencoded({ extended: false, limit, parameterLimit: 64 });
  const json = express.json({ limit, strict: true });
  const requireType: RequestHandler = (req, _res, next) => {
    if (!req.is(['application/x-www-form-urlencoded', 'application/json'])) {
      next(
        new MandateError(
          'unsupported_media_type',
          'Content-Type must be application/x-www-form-urlencoded or application/json',
        ),
      );
      return;
    }
    next();
  };
  const refuseDeclaredOversize: RequestHandler = (req, res, next) => {
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > limit) {
      // The body stays unread: the connection ends with the answer instead of draining it.
      res.set('Connection', 'close');
      next(new MandateError('payload_too_large', `request body is larger than ${limit} bytes`));
      return;
    }
    next();
  };
  return [requireType, refuseDeclaredOversize, form, json];
}

/** Marks a response as never to be cached (RFC 6749 section 5.1). */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  next();
};
