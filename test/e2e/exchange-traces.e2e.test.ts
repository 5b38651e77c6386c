import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

const TRIAGE = 'spiffe://test.example/agent/triage';
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const STEPS = ['verify', 'resolve', 'decide', 'record', 'mint'];

/** What one exchange answered, and the subject token it presented. */
interface Sent {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly svid: string;
}

describe('the exchange is traced through @opentelemetry/api', () => {
  let t: TestBroker;
  const audit = new MemoryAuditLog();
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    t = await startTestBroker({ deps: { audit } });
  });
  afterAll(async () => {
    await t.close();
    trace.disable();
  });

  /** POSTs a valid exchange for ticket T-1 with `fields` over it and `headers` added. */
  async function send(
    fields: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<Sent> {
    const svid = await t.td.svid({ path: '/agent/triage' });
    const res = await fetch(`${t.url}/token-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: svid,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        audience: 'tickets',
        scope: 'tickets:read',
        intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
        ...fields,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, svid };
  }

  /** The last token_exchange audit event. */
  const lastAudited = () => audit.of('token_exchange').at(-1)!;

  describe('without an SDK', () => {
    it('exchanges as usual, and the audit event has no trace id of its own', async () => {
      const granted = await send();
      expect(granted.status).toBe(200);
      expect(lastAudited()).toMatchObject({ outcome: 'granted', agent: TRIAGE });
      expect(lastAudited().trace_id).toBeUndefined();
      const refused = await send({ audience: 'nowhere' });
      expect(refused.status).toBe(400);
      expect(lastAudited()).toMatchObject({ outcome: 'refused', error: refused.body.error });
      expect(lastAudited().trace_id).toBeUndefined();
    });

    it("the audit event still carries a caller's trace id from traceparent", async () => {
      expect((await send({}, { traceparent: TRACEPARENT })).status).toBe(200);
      expect(lastAudited().trace_id).toBe(CALLER_TRACE);
    });
  });

  describe('with an SDK registered', () => {
    beforeAll(() => {
      const provider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    });
    beforeEach(() => exporter.reset());

    /** The spans of the last exchange: its `token_exchange` span and the others by name. */
    function exchangeSpans(): { root: ReadableSpan; steps: Map<string, ReadableSpan> } {
      const spans = exporter.getFinishedSpans();
      const roots = spans.filter((s) => s.name === 'token_exchange');
      expect(roots).toHaveLength(1);
      const steps = new Map(spans.filter((s) => s !== roots[0]).map((s) => [s.name, s]));
      return { root: roots[0]!, steps };
    }

    it('a granted exchange is one span with a child span per step, attributes but no token', async () => {
      const sent = await send();
      expect(sent.status).toBe(200);
      const { root, steps } = exchangeSpans();
      expect([...steps.keys()]).toEqual(STEPS);
      const { traceId, spanId } = root.spanContext();
      expect(root.parentSpanContext).toBeUndefined();
      for (const step of steps.values()) {
        expect(step.spanContext().traceId).toBe(traceId);
        expect(step.parentSpanContext?.spanId).toBe(spanId);
        expect(step.status.code).not.toBe(SpanStatusCode.ERROR);
      }
      expect(root.attributes).toEqual({
        'mandate.agent': TRIAGE,
        'mandate.task': sent.body.task_id,
        'mandate.audience': 'https://tickets.example',
        'mandate.outcome': 'granted',
      });
      expect(root.status.code).not.toBe(SpanStatusCode.ERROR);
      const everything = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
      expect(everything).not.toContain(sent.svid);
      expect(everything).not.toContain(sent.body.access_token as string);
      expect(lastAudited()).toMatchObject({ outcome: 'granted', trace_id: traceId });
    });

    it('a refusal sets error status with its code on the exchange and on the step that refused', async () => {
      const sent = await send({ audience: 'nowhere' });
      expect(sent.status).toBe(400);
      const code = sent.body.error as string;
      const { root, steps } = exchangeSpans();
      expect(root.status).toEqual({ code: SpanStatusCode.ERROR, message: code });
      expect(root.attributes).toMatchObject({
        'mandate.agent': TRIAGE,
        'mandate.audience': 'nowhere',
        'mandate.outcome': 'refused',
        'mandate.error': code,
      });
      expect([...steps.keys()]).toEqual(['verify', 'resolve']);
      expect(steps.get('resolve')!.status).toEqual({ code: SpanStatusCode.ERROR, message: code });
      expect(lastAudited()).toMatchObject({
        outcome: 'refused',
        error: code,
        trace_id: root.spanContext().traceId,
      });
    });

    it('a refusal before the agent is known names no agent or task, and the verify step refused', async () => {
      const sent = await send({ subject_token: 'not-a-jwt' });
      expect(sent.status).toBe(400);
      const { root, steps } = exchangeSpans();
      expect(root.attributes).toEqual({
        'mandate.audience': 'tickets',
        'mandate.outcome': 'refused',
        'mandate.error': sent.body.error,
      });
      expect([...steps.keys()]).toEqual(['verify']);
      expect(steps.get('verify')!.status).toEqual({
        code: SpanStatusCode.ERROR,
        message: sent.body.error,
      });
    });

    it("a traceparent continues the caller's trace, with its tracestate", async () => {
      const sent = await send({}, { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' });
      expect(sent.status).toBe(200);
      const { root, steps } = exchangeSpans();
      expect(root.spanContext().traceId).toBe(CALLER_TRACE);
      expect(root.spanContext().traceState?.serialize()).toBe('congo=t61rcWkgMzE');
      expect(root.parentSpanContext).toMatchObject({ spanId: CALLER_SPAN, isRemote: true });
      for (const step of steps.values()) expect(step.spanContext().traceId).toBe(CALLER_TRACE);
      expect(lastAudited().trace_id).toBe(CALLER_TRACE);
    });

    it.each([
      ['another version', `01-${CALLER_TRACE}-${CALLER_SPAN}-01`],
      ['an all-zero trace id', `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`],
      ['uppercase hex', TRACEPARENT.toUpperCase()],
      ['a short parent id', `00-${CALLER_TRACE}-${CALLER_SPAN.slice(2)}-01`],
    ])('a traceparent with %s starts a new trace', async (_what, traceparent) => {
      expect((await send({}, { traceparent })).status).toBe(200);
      const { root } = exchangeSpans();
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(root.spanContext().traceId).not.toBe(CALLER_TRACE);
      expect(lastAudited().trace_id).toBe(root.spanContext().traceId);
    });
  });
});
