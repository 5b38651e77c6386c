import { apiContract } from '../support/openapi-contract.js';

/** A revocation SSE stream opened by a test, collecting what arrives. */
export interface OpenStream {
  readonly status: number;
  readonly contentType: string | null;
  /** `revocation` events: their `id:` line and parsed `data:`. */
  readonly events: { id: string; data: Record<string, unknown> }[];
  /** Comment lines (heartbeats). */
  readonly comments: string[];
  close(): void;
}

/** Opens `GET /v1/revocations/stream` (its answer checked against openapi.yaml) and parses events. */
export async function openStream(
  url: string,
  key: string,
  lastEventId?: string,
): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/revocations/stream`, {
    headers: {
      authorization: `Bearer ${key}`,
      ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  const documented = { method: 'GET', url: res.url, status: res.status, headers: res.headers };
  apiContract().check({
    ...documented,
    body: res.status === 200 ? undefined : await res.clone().text(),
  });
  const events: OpenStream['events'] = [];
  const comments: string[] = [];
  if (res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n');
            if (lines[0]!.startsWith(':')) {
              comments.push(lines[0]!);
              continue;
            }
            const field = (name: string) =>
              lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            if (field('event') === 'revocation') {
              events.push({
                id: field('id')!,
                data: JSON.parse(field('data')!) as Record<string, unknown>,
              });
            }
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments,
    close: () => abort.abort(),
  };
}
