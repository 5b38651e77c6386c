import {
  context,
  trace,
  ROOT_CONTEXT,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import { incomingTraceContext, parseTraceparent } from '../../src/http/trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('parseTraceparent reads a W3C traceparent strictly', () => {
  it('reads version 00: trace id, parent id and flags, as a remote context', () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(0);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['another version', `01-${TRACE_ID}-${SPAN_ID}-01`],
    ['the forbidden version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['a long parent id', `00-${TRACE_ID}-${SPAN_ID}0-01`],
    ['one-digit flags', `00-${TRACE_ID}-${SPAN_ID}-1`],
    ['uppercase hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['a non-hex digit', `00-${TRACE_ID.slice(0, 31)}g-${SPAN_ID}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['a trailing member', `${VALID}-extra`],
    ['other separators', VALID.replaceAll('-', '_')],
  ])('refuses %s', (_what, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('incomingTraceContext continues the caller trace', () => {
  it('carries the traceparent and its tracestate', () => {
    const ctx = incomingTraceContext({
      traceparent: VALID,
      tracestate: 'congo=t61rcWkgMzE,rojo=1',
    });
    const span = trace.getSpanContext(ctx);
    expect(span).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
    expect(span?.traceState?.get('congo')).toBe('t61rcWkgMzE');
    expect(span?.traceState?.serialize()).toBe('congo=t61rcWkgMzE,rojo=1');
  });

  it('starts a new trace on a malformed or repeated traceparent, ignoring its tracestate', () => {
    const bad = incomingTraceContext({ traceparent: 'garbage', tracestate: 'congo=1' });
    expect(trace.getSpanContext(bad)).toBeUndefined();
    const repeated = incomingTraceContext({ traceparent: [VALID, VALID] });
    expect(trace.getSpanContext(repeated)).toBeUndefined();
    expect(incomingTraceContext({})).toBe(ROOT_CONTEXT);
  });
});

/** The least context manager an SDK installs: the active context while `with` runs (sync). */
class StackContextManager implements ContextManager {
  #stack: Context[] = [ROOT_CONTEXT];
  active(): Context {
    return this.#stack.at(-1)!;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.#stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#stack = [ROOT_CONTEXT];
    return this;
  }
}

describe('incomingTraceContext under an SDK that continued the trace already', () => {
  beforeAll(() => context.setGlobalContextManager(new StackContextManager()));
  afterAll(() => context.disable());

  it("keeps the instrumentation's server span as the parent, whatever the header says", () => {
    const server = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
    const active = trace.setSpanContext(ROOT_CONTEXT, server);
    const chosen = context.with(active, () => incomingTraceContext({ traceparent: VALID }));
    expect(chosen).toBe(active);
    expect(trace.getSpanContext(chosen)).toEqual(server);
  });

  it('reads the header when the active context has no span', () => {
    const chosen = context.with(ROOT_CONTEXT, () => incomingTraceContext({ traceparent: VALID }));
    expect(trace.getSpanContext(chosen)?.traceId).toBe(TRACE_ID);
  });
});
