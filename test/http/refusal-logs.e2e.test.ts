import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import { systemClock } from '../../src/platform/clock.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

/** A grant store with a bug: the broker meets an error it did not expect. */
class BrokenGrantStore extends MemoryGrantStore {
  override recordGrant(): never {
    throw new TypeError('grant store bug');
  }
}

/** What operators read in the log of a real broker when requests are refused. */
describe('refusal log lines', () => {
  let t: TestBroker;
  let logs: LogCapture;
  beforeAll(async () => {
    logs = captureLogs();
    t = await startTestBroker({ deps: { logger: logs.logger } });
  });
  afterAll(() => t.close());

  /** The raw `request refused` lines written since `from`. */
  function refusalLines(from: number): string[] {
    return logs.raw.slice(from).filter((line) => line.includes('"msg":"request refused"'));
  }

  it('logs a malformed subject token as one compact info line, without a stack', async () => {
    const from = logs.raw.length;
    const res = await fetch(`${t.url}/token-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
      body: JSON.stringify({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: 'not-a-jwt',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        audience: 'tickets',
        scope: 'tickets:read',
        intent: { purpose: 'triage' },
      }),
    });
    expect(res.status).toBe(400);
    const [line, ...more] = refusalLines(from);
    expect(more).toEqual([]);
    expect(JSON.parse(line!)).toEqual(
      expect.objectContaining({
        level: 30,
        msg: 'request refused',
        code: 'invalid_request',
        status: 400,
        description: 'subject_token rejected: malformed token: not a compact JWS',
        detail: 'malformed',
        method: 'POST',
        path: '/token-exchange',
        route: '/token-exchange',
        request_id: 'req-42',
      }),
    );
    expect(line).not.toMatch(/"(stack|err)"/);
    expect(line).not.toContain('\\n');
    expect(line!.length).toBeLessThan(512);
  });

  it('logs a policy refusal and an unknown route the same compact way', async () => {
    const from = logs.raw.length;
    expect((await t.exchange({ audience: 'payroll', scope: 'payroll:write' })).status).toBe(400);
    expect((await fetch(`${t.url}/no/such/route?x=1`)).status).toBe(404);
    const lines = refusalLines(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ code: 'invalid_scope', status: 400, route: '/token-exchange' }),
      expect.objectContaining({ code: 'not_found', status: 404, path: '/no/such/route' }),
    ]);
    for (const line of lines) expect(line).not.toHaveProperty('stack');
  });

  it('logs an unexpected error at error level with its full stack', async () => {
    const logged = captureLogs();
    const broken = await startTestBroker({
      deps: {
        logger: logged.logger,
        store: new BrokenGrantStore({ clock: systemClock, revocationRetentionMs: 60_000 }),
      },
    });
    try {
      const res = await broken.exchange();
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'server_error', error_description: 'internal error' });
    } finally {
      await broken.close();
    }
    const line = logged.lines().find((l) => l.msg === 'unhandled error');
    expect(line).toEqual(
      expect.objectContaining({
        level: 50,
        route: '/token-exchange',
        err: expect.objectContaining({ type: 'TypeError', message: 'grant store bug' }) as object,
      }),
    );
    const { stack } = line!.err as { stack: string };
    expect(stack).toMatch(/^TypeError: grant store bug\n\s+at .*recordGrant/);
  });
});
