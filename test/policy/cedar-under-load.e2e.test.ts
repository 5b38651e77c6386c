import { startTestBroker, type TestBroker } from '../support/test-broker.js';

// Node 20 aborted in V8's deoptimizer when Cedar ran from a busy request handler; the broker
// sets --no-turbo-inline-js-wasm-calls before Cedar loads (jest: test/setup-v8-flags.cjs).
// This drives enough concurrent exchanges through the real server for the optimiser to work
// on the hot path, and expects every one answered.
describe('Cedar under load on the real server', () => {
  let t: TestBroker;
  beforeAll(async () => {
    // Load, not a runaway: the loop rules and rate limit would halt these repeated tasks.
    t = await startTestBroker({
      config: { loops: { enabled: false, rate_limit: { max: 0 } } },
    });
  });
  afterAll(() => t.close());

  it('answers 1500 concurrent exchanges, each evaluating three scopes', async () => {
    const tokens = await Promise.all(
      ['/agent/triage', '/agent/reader', '/agent/research/web'].map((path) => t.td.svid({ path })),
    );
    const total = 1500;
    const concurrency = 64;
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const res = await t.exchange({
          subject_token: tokens[i % tokens.length],
          scope: i % 2 === 0 ? 'tickets:read tickets:write' : 'tickets:read',
          task_id: `T-load-${i % 50}`,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(answered).toBe(total);
    expect([...statuses.keys()].sort()).toEqual([200, 400]);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
