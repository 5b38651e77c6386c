import type { Request } from 'express';

/** Why a body could not be read as JSON. */
export class BodyRefused extends Error {
  constructor(
    message: string,
    /** 400: not JSON; 413: over the bound. */
    readonly status: 400 | 413,
  ) {
    super(message);
  }
}

/**
 * The request's body parsed as JSON: the one a body parser already set on `req.body`, else read
 * here, up to `maxBytes`.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  if (req.body !== undefined) return req.body as unknown;
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) throw new BodyRefused('the body is too large', 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyRefused('the body is too large', 413);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BodyRefused('the body is not JSON', 400);
  }
}
