import fc from 'fast-check';
import {
  MAX_LINE_LENGTH,
  SseParser,
  type SseEvent,
} from '../../packages/verifier/src/sse-parser.js';

function parse(chunks: string[]): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = new SseParser({
    onEvent: (e) => events.push(e),
    onComment: (c) => comments.push(c),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments };
}

const STREAM =
  ': heartbeat 1\n\n' +
  'id: 1-0\nevent: revocation\ndata: {"a":1}\n\n' +
  'id: 1-1\r\nevent: revocation\r\ndata: line one\r\ndata: line two\r\n\r\n' +
  'data:no space\rid\r\r' +
  'retry: 10\nevent: other\ndata: x\n\n' +
  'id: 2-0\nevent: revocation\n\n' +
  'data: unterminated';

describe('SseParser', () => {
  it('parses events, ids, multi-line data, comments and every line ending', () => {
    const { events, comments } = parse([STREAM]);
    expect(comments).toEqual(['heartbeat 1']);
    expect(events).toEqual([
      { id: '1-0', event: 'revocation', data: '{"a":1}' },
      { id: '1-1', event: 'revocation', data: 'line one\nline two' },
      { id: '', event: 'message', data: 'no space' },
      { id: '', event: 'other', data: 'x' },
    ]);
  });

  it('refuses a line that never ends rather than buffering it forever', () => {
    const parser = new SseParser({ onEvent: () => undefined });
    parser.push('data: ');
    expect(() => parser.push('x'.repeat(MAX_LINE_LENGTH))).toThrow(/longer than/);
  });

  it('keeps the last event id across events without data', () => {
    const parser = new SseParser({ onEvent: () => undefined });
    parser.push('id: 2-0\nevent: revocation\n\n');
    expect(parser.lastEventId).toBe('2-0');
  });

  it('gives the same events however the stream is cut into chunks', () => {
    const whole = parse([STREAM]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 })), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
        const chunks = points.slice(1).map((end, i) => STREAM.slice(points[i], end));
        expect(parse(chunks)).toEqual(whole);
      }),
    );
  });
});
