import { LOG_BOUNDS } from '../../src/platform/bound-for-log.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { postExchange } from '../support/post-exchange.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

/** A value an attacker chose: one letter, repeated, so its longest run in a line is its trace. */
const big = (letter: string, length: number) => letter.repeat(length);

/** The longest run of `letter` in `line`. */
function longestRun(line: string, letter: string): number {
  return Math.max(0, ...(line.match(new RegExp(`${letter}+`, 'g')) ?? []).map((r) => r.length));
}

/**
 * Values of up to 15 KiB, each chosen by a caller, sent through a real broker: no log or audit
 * line carries more than the bound of any of them, and each one that is logged is marked as cut.
 */
describe('attacker-chosen values in log and audit lines', () => {
  let t: TestBroker;
  let logs: LogCapture;
  beforeAll(async () => {
    logs = captureLogs('trace');
    t = await startTestBroker({ deps: { logger: logs.logger } });
  });
  afterAll(() => t.close());

  const svid = () => t.td.svid({ path: '/agent/triage' });

  it('bounds every one of them', async () => {
    const sent = {
      // exchange fields: refused, echoed in the description, audited
      A: (await postExchange(t.url, await svid(), { audience: big('A', 15_000) })).status,
      B: (
        await postExchange(t.url, await svid(), {
          scope: Array.from({ length: 16 }, (_, i) => `${i}${big('B', 900)}`).join(' '),
        })
      ).status,
      C: (await postExchange(t.url, await svid(), { requested_token_type: big('C', 15_000) }))
        .status,
      // subject token: a header member name (never echoed) and a sub (the agent, audited)
      D: (await postExchange(t.url, await t.td.svid({ header: { [big('D', 4000)]: 1 } }))).status,
      E: (
        await postExchange(
          t.url,
          await t.td.svid({ sub: `spiffe://test.example/${big('E', 2000)}` }),
        )
      ).status,
      // refused by the wire schema: task and approval ids, intent purpose and targets
      F: (await postExchange(t.url, await svid(), { task_id: big('F', 15_000) })).status,
      G: (await postExchange(t.url, await svid(), { approval_id: big('G', 15_000) })).status,
      H: (await postExchange(t.url, await svid(), { intent: { purpose: big('H', 15_000) } }))
        .status,
      I: (
        await postExchange(t.url, await svid(), {
          intent: { purpose: 'p', targets: Array.from({ length: 40 }, () => big('I', 300)) },
        })
      ).status,
      // path, query string and a header value
      J: (await fetch(`${t.url}/${big('J', 8000)}`)).status,
      K: (await fetch(`${t.url}/.well-known/nothing?q=${big('K', 8000)}`)).status,
      L: (await fetch(`${t.url}/nothing`, { headers: { 'x-request-id': big('L', 8000) } })).status,
    };
    // Each was answered (refused, or for E granted to that agent), not dropped on the way.
    expect(sent).toEqual({
      ...{ A: 400, B: 400, C: 400, D: 400, E: 200, F: 400 },
      ...{ G: 400, H: 400, I: 400, J: 404, K: 404, L: 404 },
    });

    for (const letter of Object.keys(sent)) {
      for (const line of logs.raw) expect(longestRun(line, letter)).toBeLessThan(LOG_BOUNDS.chars);
      // Audit records keep more of a value (a whole legitimate purpose), still bounded.
      for (const line of t.auditLines)
        expect(longestRun(line, letter)).toBeLessThan(LOG_BOUNDS.auditChars);
    }
    // Those that reach a line (as a field, or echoed in a description) are there cut and marked:
    // bounded, not dropped. The others (D, F-I, K) are refused without being echoed at all.
    const cut = (letter: string) =>
      [...logs.raw, ...t.auditLines].some(
        (l) => longestRun(l, letter) > 200 && /…\[cut \d+ chars\]/.test(l),
      );
    const reachLines = ['A', 'B', 'C', 'E', 'J', 'L'];
    expect(reachLines.filter(cut)).toEqual(reachLines);
  });

  it('bounds the largest legitimate exchange not at all', async () => {
    const from = logs.raw.length;
    const auditFrom = t.auditLines.length;
    const res = await postExchange(t.url, await svid(), {
      intent: { purpose: big('P', 512), targets: Array.from({ length: 32 }, () => big('T', 256)) },
    });
    expect(res.status).toBe(200);
    const audit = t.auditLines
      .slice(auditFrom)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'token_exchange');
    expect(audit).toMatchObject({
      outcome: 'granted',
      scopes: ['tickets:read'],
      intent: { purpose: big('P', 512) },
    });
    expect([...logs.raw.slice(from), ...t.auditLines.slice(auditFrom)].join('\n')).not.toContain(
      '…[cut',
    );
  });
});
