import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS, call } from './redis-broker.js';

const AGENT = 'spiffe://test.example/agent/triage';

describe('loop trips and operator actions in the audit log', () => {
  let t: TestBroker;
  /** The audit trail's records so far (the stdout sink's lines, as a collector reads them). */
  const records = () => t.auditLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  beforeAll(async () => {
    t = await startTestBroker({
      config: { operators: OPERATORS_CONFIG, loops: { max_identical: 2 } },
    });
  });
  afterAll(() => t.close());

  it('names the rule, the counts and the window of a trip, and who resumed the task', async () => {
    for (let i = 0; i < 2; i += 1) expect((await t.exchange({ task_id: 'A-1' })).status).toBe(200);
    expect((await t.exchange({ task_id: 'A-1' })).body).toMatchObject({
      error: 'task_halted',
      rule: 'max_identical',
    });
    expect(records()).toContainEqual(
      expect.objectContaining({
        mandate_audit: 1,
        event: 'loop_tripped',
        agent: AGENT,
        task: 'A-1',
        rule: 'max_identical',
        count: 3,
        limit: 2,
        window_seconds: 60,
        revoked: 2,
        halted_tasks: 1,
        blocked_until: null,
      }),
    );
    const q = `agent=${encodeURIComponent(AGENT)}`;
    await call(t.url, 'POST', `/v1/tasks/A-1/resume?${q}`, OPERATOR_KEYS.revoker.key);
    expect(records()).toContainEqual(
      expect.objectContaining({
        mandate_audit: 1,
        event: 'operator_action',
        operator: 'revoker-key',
        action: 'resume_task',
        agent: AGENT,
        task: 'A-1',
        status: 'active',
      }),
    );
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/mandate_loop_trips_total\{rule="max_identical"\} 1/);
    expect(t.auditLines.join('\n')).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
