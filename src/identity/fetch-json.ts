import { request as httpsRequest } from 'node:https';

/** How one key-material fetch is bounded. */
export interface FetchJsonOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** PEM CA certificates to trust instead of the system store (a private CA). */
  readonly ca?: string | undefined;
}

/** Fetches JSON over HTTPS; injected so tests and the composition root choose the transport. */
export type FetchJson = (url: string, options: FetchJsonOptions) => Promise<unknown>;

/**
 * GETs a JSON document over HTTPS only, with a deadline for the whole exchange, a cap on the
 * body (counted as it arrives, so a huge or endless answer is cut off), no redirects, and only
 * a 200 accepted. Key material never comes over plain HTTP.
 *
 * @example
 * const jwks = await fetchJson('https://issuer.example/keys', { timeoutMs: 5000, maxBytes: 65536 });
 */
export const fetchJson: FetchJson = (url, options) => {
  const target = new URL(url);
  if (target.protocol !== 'https:') return Promise.reject(new Error(`not an https URL: ${url}`));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      target,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        // A fresh connection per fetch: fetches are rare, and no pooled socket outlives close().
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET ${url}: HTTP ${res.statusCode ?? '?'}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            req.destroy(new Error(`GET ${url}: body larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
          } catch {
            reject(new Error(`GET ${url}: body is not JSON`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
};
