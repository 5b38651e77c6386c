// What the exchange's tracing costs with no OpenTelemetry SDK registered (the API's no-op
// tracer): the exchange's span with its five steps (three async, two sync) and attributes,
// against the same five calls made directly, in alternating rounds (best of each, so a busy
// machine hurts both alike); then the mean latency of a real exchange (HTTP, memory store, one
// client) and the throughput ratio that overhead implies.
// Run: node --no-turbo-inline-js-wasm-calls --import tsx bench/tracing.ts
// Env: BENCH_ITERATIONS (per round, default 200000), BENCH_ROUNDS (default 5),
// BENCH_SECONDS (exchange latency, default 3).
import '../src/platform/v8-flags.js';
import { defaultTracer, startTrace } from '../src/platform/tracing.js';
import { exchangeOrThrow } from '../test/support/post-exchange.js';
import { quietLogger, startTestBroker } from '../test/support/test-broker.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const tracer = defaultTracer();
const later = (n: number) => Promise.resolve(n);
const now = (n: number) => n;
const codeOf = () => 'server_error';

/** The five steps, called directly. */
async function direct(): Promise<number> {
  let sum = await later(1);
  sum += now(2);
  sum += now(3);
  sum += await later(4);
  sum += await later(5);
  return sum;
}

/** The five steps, as the exchange runs them: one span, a step each, attributes, end. */
async function traced(): Promise<number> {
  const t = startTrace('token_exchange', { tracer, codeOf });
  try {
    let sum = await t.step('verify', () => later(1));
    sum += t.step('resolve', () => now(2));
    sum += t.step('decide', () => now(3));
    sum += await t.step('record', () => later(4));
    sum += await t.step('mint', () => later(5));
    t.note({ 'mandate.audience': 'https://tickets.example' });
    return sum;
  } finally {
    t.note({ 'mandate.outcome': 'granted', 'mandate.agent': 'a', 'mandate.task': 't' });
    t.end();
  }
}

/** Nanoseconds per call of `fn`, over ITERATIONS sequential calls. */
async function nsPerCall(fn: () => Promise<number>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i += 1) await fn();
  return Number(process.hrtime.bigint() - started) / ITERATIONS;
}

async function main(): Promise<void> {
  let best = { direct: Infinity, traced: Infinity };
  for (let round = 0; round < ROUNDS; round += 1) {
    best = {
      direct: Math.min(best.direct, await nsPerCall(direct)),
      traced: Math.min(best.traced, await nsPerCall(traced)),
    };
  }
  const overheadNs = Math.max(0, best.traced - best.direct);
  console.log(
    `five steps, direct ${best.direct.toFixed(0)} ns, traced (no SDK) ${best.traced.toFixed(0)} ns: +${overheadNs.toFixed(0)} ns per exchange`,
  );

  // Loop rules and rate limit off: one identity drives all the load.
  const t = await startTestBroker({
    config: { loops: { enabled: false, rate_limit: { max: 0 } } },
    deps: { logger: quietLogger },
  });
  try {
    const svid = await t.td.svid({ path: '/agent/triage', expiresIn: 3600 });
    for (let i = 0; i < 50; i += 1) await exchangeOrThrow(t.url, svid); // warm up
    const deadline = Date.now() + SECONDS * 1000;
    const started = process.hrtime.bigint();
    let done = 0;
    for (; Date.now() < deadline; done += 1) await exchangeOrThrow(t.url, svid);
    const exchangeNs = Number(process.hrtime.bigint() - started) / done;
    console.log(
      `one exchange (HTTP, memory store, one client): ${(exchangeNs / 1000).toFixed(0)} µs mean over ${done}`,
    );
    console.log(
      `throughput with tracing (no SDK) / without: ${(exchangeNs / (exchangeNs + overheadNs)).toFixed(4)}`,
    );
  } finally {
    await t.close();
  }
}

await main();
