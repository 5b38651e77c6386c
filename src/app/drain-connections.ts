import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What a drain did: connections still open at the end of the grace period were cut. */
export interface DrainOutcome {
  readonly cut: number;
}

/**
 * Follows one listener's connections and the requests in flight on each, so a shutdown can
 * stop accepting, answer what was accepted, close each connection once it is idle, and cut
 * what is left when the grace period ends. Attach it before the listener accepts anything.
 *
 * @example
 * const drain = new ConnectionDrain(server);
 * const { cut } = await drain.drain(10_000);
 */
export class ConnectionDrain {
  readonly #server: Server;
  /** Requests in flight per open connection. */
  readonly #inFlight = new Map<Socket, Set<ServerResponse>>();
  #draining = false;

  constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket: Socket) => {
      this.#inFlight.set(socket, new Set());
      socket.once('close', () => this.#inFlight.delete(socket));
    });
    // Before the app's own listener, which may answer at once (`/readyz`).
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
      this.#track(req, res),
    );
  }

  /**
   * Stops accepting connections; answers in flight carry `Connection: close`, idle keep-alive
   * connections are closed, each busy one once its last answer is written. Resolves when every
   * connection is closed, at the latest `graceMs` from now, when the remaining ones are cut.
   */
  async drain(graceMs: number): Promise<DrainOutcome> {
    this.#draining = true;
    // close() stops accepting and (Node 19+) closes the connections idle right now.
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const responses of this.#inFlight.values()) {
      for (const res of responses) closeAfter(res);
    }
    let cut = 0;
    const deadline = setTimeout(() => {
      cut = this.#inFlight.size;
      this.cutAll();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
    return { cut };
  }

  /** Destroys every open connection now (SSE streams and requests in flight included). */
  cutAll(): void {
    for (const socket of this.#inFlight.keys()) socket.destroy();
    this.#server.closeAllConnections();
  }

  #track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const responses = this.#inFlight.get(socket);
    if (!responses) return;
    responses.add(res);
    if (this.#draining) closeAfter(res);
    res.once('close', () => {
      responses.delete(res);
      // A keep-alive connection whose last answer was written before the drain began to
      // mark answers (an SSE stream) is idle now: closed once its bytes are flushed.
      if (this.#draining && responses.size === 0) socket.destroySoon();
    });
  }
}

/** The answer ends its connection, so the client opens its next request elsewhere. */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
