import type { IncomingHttpHeaders } from 'node:http';
import {
  context as otelContext,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

// The broker depends on `@opentelemetry/api` alone, which registers no propagator: an SDK's
// W3CTraceContextPropagator lives in `@opentelemetry/core`, whose current major needs a newer
// Node than ours, and would tie the runtime to an SDK package. W3C Trace Context level 1 is
// small and strict enough to read here: version 00 only, exact lengths, lowercase hex, ids not
// all zero. Anything else starts a new trace, as the spec asks of an unparsable traceparent.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * The remote span context a W3C `traceparent` header names, or undefined when it is absent or
 * malformed (another version, a wrong length, uppercase or non-hex digits, an all-zero id).
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf9…', spanId: '00f0…', traceFlags: 1, isRemote: true }
 */
export function parseTraceparent(header: string | undefined): SpanContext | undefined {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
}

/**
 * The context a request's work runs in: the active one when an instrumentation already
 * continued the caller's trace (an SDK's HTTP instrumentation, whose server span then parents
 * ours), else the caller's `traceparent` (with its `tracestate`), else the active context (a
 * new trace).
 *
 * @example
 * await exchange.exchange(request, incomingTraceContext(req.headers));
 */
export function incomingTraceContext(headers: IncomingHttpHeaders): Context {
  const active = otelContext.active();
  const current = trace.getSpanContext(active);
  if (current && isSpanContextValid(current)) return active;
  const remote = parseTraceparent(single(headers.traceparent));
  if (!remote) return active;
  // Repeated tracestate headers are one list (W3C), as Node already joins them with commas;
  // the API's parser drops malformed members and bounds the list.
  const state = headers.tracestate;
  const traceState = state === undefined ? undefined : createTraceState(String(state));
  return trace.setSpanContext(active, traceState ? { ...remote, traceState } : remote);
}

/** One header value; a repeated traceparent is no traceparent at all. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
