import {
  context as otelContext,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/** The instrumentation scope of the broker's spans. */
export const TRACER_NAME = 'mandate';

/**
 * The broker's tracer: the global provider's, through `@opentelemetry/api` only. With no SDK
 * registered it is the API's no-op tracer, so every span costs a small object and nothing else;
 * an SDK registered later (by `--import` or an embedder) is picked up by the API's proxy.
 *
 * @example
 * const traced = startTrace('token_exchange', { tracer: defaultTracer() });
 */
export function defaultTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** One traced operation: its span, the steps under it, what it learns on the way. */
export interface Traced {
  /** The trace id (32 hex), when the span context is valid: a sampled span or a caller's. */
  readonly traceId: string | undefined;
  /**
   * Runs `fn` as the step `name`: a child span while the operation's span records (ended when
   * `fn` returns or its promise settles, error status with the refusal's code if it throws);
   * just `fn` otherwise.
   */
  step<T>(this: void, name: string, fn: () => T): T;
  /** Attributes of the operation's span (never a token). */
  note(attributes: Attributes): void;
  /** Marks the operation refused: error status whose message is the stable code. */
  fail(code: string): void;
  end(): void;
}

/** Where a traced operation starts. */
export interface TraceOptions {
  readonly tracer: Tracer;
  /** The parent context (the request's trace); default: the active context. */
  readonly parent?: Context;
  /** The stable code of an error thrown by a step, for its span's status. */
  readonly codeOf?: (err: unknown) => string;
}

/**
 * Starts the span of one operation; its steps are children of it. Contexts are passed
 * explicitly, so the links hold without a context manager; each step also runs in its span's
 * context, so an instrumented client called inside it (Redis, HTTP) nests under the step where
 * an SDK installed one. With no SDK (or a span not sampled) nothing is recorded and each step
 * is a plain call: no span, closure or context is made per step.
 *
 * @example
 * const traced = startTrace('token_exchange', { tracer, parent });
 * try {
 *   const principal = await traced.step('verify', () => verify(token));
 * } finally {
 *   traced.end();
 * }
 */
export function startTrace(name: string, options: TraceOptions): Traced {
  const parent = options.parent ?? otelContext.active();
  const span = options.tracer.startSpan(name, {}, parent);
  const spanContext = span.spanContext();
  const traceId = isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
  if (!span.isRecording()) return traceId === undefined ? UNTRACED : new Untraced(traceId);
  return new Recorded(span, traceId, trace.setSpan(parent, span), options);
}

/** A span not recorded (no SDK, or not sampled): steps are plain calls, ending is a no-op. */
class Untraced implements Traced {
  constructor(readonly traceId: string | undefined) {}
  step<T>(this: void, _name: string, fn: () => T): T {
    return fn();
  }
  note(): void {}
  fail(): void {}
  end(): void {}
}

/** The one untraced operation without a trace id, shared: nothing of it changes. */
const UNTRACED = new Untraced(undefined);

/** A recorded span and its steps. */
class Recorded implements Traced {
  readonly step: <T>(this: void, name: string, fn: () => T) => T;
  readonly #span: Span;

  constructor(
    span: Span,
    readonly traceId: string | undefined,
    within: Context,
    options: TraceOptions,
  ) {
    this.#span = span;
    const codeOf = options.codeOf ?? (() => 'error');
    this.step = (name, fn) => {
      const stepSpan = options.tracer.startSpan(name, {}, within);
      return inStep(stepSpan, trace.setSpan(within, stepSpan), fn, codeOf);
    };
  }

  note(attributes: Attributes): void {
    this.#span.setAttributes(attributes);
  }

  fail(code: string): void {
    this.#span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }

  end(): void {
    this.#span.end();
  }
}

/** Runs `fn` in the step's span and ends it when `fn` is done, sync or async. */
function inStep<T>(span: Span, within: Context, fn: () => T, codeOf: (err: unknown) => string): T {
  const failed = (err: unknown): never => {
    span.setStatus({ code: SpanStatusCode.ERROR, message: codeOf(err) });
    span.end();
    throw err;
  };
  let result: T;
  try {
    result = otelContext.with(within, fn);
  } catch (err) {
    return failed(err);
  }
  if (!(result instanceof Promise)) {
    span.end();
    return result;
  }
  return result.then((value: unknown) => {
    span.end();
    return value;
  }, failed) as T;
}
