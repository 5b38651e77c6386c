import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 answer as it came off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * A TCP connection to an HTTP server that writes exactly what a test says, for clients that
 * fetch() cannot be: silent, byte by byte, a body declared and never sent, a socket kept open.
 */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves, with everything received, once the connection is closed (by either side). */
  readonly closed: Promise<string>;
  /** True once the connection is closed. */
  isClosed(): boolean;
  write(text: string | Buffer): void;
  /**
   * Resolves with the next whole answer on this connection (after those already taken), or
   * rejects if the connection closes first.
   */
  nextResponse(): Promise<RawResponse>;
  /** Writes one byte of `text` every `everyMs` until it is all sent or the connection closes. */
  drip(text: string, everyMs: number): void;
  destroy(): void;
}

/** Opens a connection to the host and port of `url`; resolves once connected. */
export function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  let data = '';
  let taken = 0;
  let closed = false;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const now = waiters;
    waiters = [];
    now.forEach((w) => w());
  };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    data += chunk;
    wake();
  });
  // A connection the server resets (refused past max_connections) is just closed to a test.
  socket.on('error', () => undefined);
  const closedPromise = new Promise<string>((resolve) => {
    socket.on('close', () => {
      closed = true;
      wake();
      resolve(data);
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const connection: RawConnection = {
    socket,
    received: () => data,
    closed: closedPromise,
    isClosed: () => closed,
    write: (text) => {
      if (!closed) socket.write(text);
    },
    nextResponse: async () => {
      for (;;) {
        const parsed = parseResponse(data.slice(taken));
        if (parsed) {
          taken += parsed.length;
          return parsed.response;
        }
        if (closed) throw new Error(`connection closed before a whole answer: ${data}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    drip: (text, everyMs) => {
      let i = 0;
      timer = setInterval(() => {
        if (closed || i >= text.length) {
          clearInterval(timer);
          return;
        }
        socket.write(text[i]!);
        i += 1;
      }, everyMs);
    },
    destroy: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
  void closedPromise.then(() => clearInterval(timer));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(connection));
    socket.once('close', () => reject(new Error(`could not connect to ${url}`)));
  });
}

/** A whole answer at the start of `text` (Content-Length or chunked body), with its length. */
export function parseResponse(text: string): { response: RawResponse; length: number } | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = end + 4;
  if (headers['transfer-encoding'] === 'chunked') {
    let body = '';
    let at = start;
    for (;;) {
      const lineEnd = text.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(text.slice(at, lineEnd), 16);
      if (size === 0) {
        if (text.length < lineEnd + 4) return undefined;
        return { response: { status, headers, body }, length: lineEnd + 4 };
      }
      if (text.length < lineEnd + 2 + size + 2) return undefined;
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  if (text.length < start + length) return undefined;
  return {
    response: { status, headers, body: text.slice(start, start + length) },
    length: start + length,
  };
}

/** A request's bytes: request line, `Host`, the given headers, a blank line and the body. */
export function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: mandate.test'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * A `POST /token-exchange` the server holds in flight: its headers sent with
 * `Expect: 100-continue`, resolved once the server said `100 Continue`; the test writes `body`
 * when it chooses (e.g. after a SIGTERM, to prove a request in flight is still answered).
 */
export async function heldTokenRequest(url: string, body: string): Promise<RawConnection> {
  const held = await openRaw(url);
  held.write(
    rawRequest('POST', '/token-exchange', {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      Expect: '100-continue',
    }),
  );
  await new Promise<void>((resolve) => {
    const check = () => (held.received().includes('100 Continue') ? resolve() : undefined);
    held.socket.on('data', check);
    check();
  });
  return held;
}
