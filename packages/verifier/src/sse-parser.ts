/** One dispatched server-sent event. */
export interface SseEvent {
  /** The last event id after this event (the stream's `Last-Event-ID` to resume from). */
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** Revocation entries are a few hundred bytes; a line this long means the peer is broken. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** Callbacks of an {@link SseParser}. */
export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** A comment line (`: heartbeat ...`), without the colon. */
  onComment?(text: string): void;
}

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML, "server-sent events"),
 * fed decoded text in chunks of any size. Written here rather than taken from a library so the
 * verifier stays free of dependencies beyond jose.
 *
 * @example
 * const parser = new SseParser({ onEvent: (e) => console.log(e.id, e.data) });
 * parser.push('id: 1\nevent: revocation\ndata: {}\n\n');
 */
export class SseParser {
  readonly #handlers: SseHandlers;
  #buffer = '';
  #afterCR = false;
  #lastId: string | undefined;
  #event = '';
  #data: string[] = [];

  constructor(handlers: SseHandlers, lastEventId?: string) {
    this.#handlers = handlers;
    this.#lastId = lastEventId;
  }

  /** The id of the last event seen (kept across events, as the spec's "last event ID"). */
  get lastEventId(): string | undefined {
    return this.#lastId;
  }

  /**
   * Feeds a chunk of decoded text; complete lines are processed at once. Throws when a line
   * grows past {@link MAX_LINE_LENGTH}, so a broken peer cannot make the buffer grow forever.
   */
  push(chunk: string): void {
    let text = chunk;
    // A CRLF may be split across chunks: the CR ended a line already, so drop the LF.
    if (this.#afterCR && text.startsWith('\n')) text = text.slice(1);
    this.#afterCR = false;
    this.#buffer += text;
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(this.#buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === this.#buffer.length) this.#afterCR = true;
        else if (this.#buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > MAX_LINE_LENGTH)
      throw new Error(`an event-stream line is longer than ${MAX_LINE_LENGTH} characters`);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.#handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      default:
        // `retry` and unknown fields: the client chooses its own reconnect delay.
        break;
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return;
    this.#handlers.onEvent({ id: this.#lastId, event: event || 'message', data: data.join('\n') });
  }
}
