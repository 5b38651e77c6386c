import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS, call } from '../e2e/redis-broker.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

const AGENT = 'spiffe://test.example/agent/triage';
const q = `agent=${encodeURIComponent(AGENT)}`;

/** An operator's action that changed nothing is refused, and leaves no audit line. */
describe('operator actions on what does not exist', () => {
  let t: TestBroker;
  const audit = new MemoryAuditLog();
  beforeAll(async () => {
    t = await startTestBroker({ config: { operators: OPERATORS_CONFIG }, deps: { audit } });
  });
  afterAll(() => t.close());

  it('answers 404 to resume, revoke task and revoke grant of nothing, and audits none', async () => {
    const revoker = OPERATOR_KEYS.revoker.key;
    const paths = [
      `/v1/tasks/T-404/resume?${q}`,
      `/v1/tasks/T-404/revoke?${q}`,
      `/v1/grants/g-404/revoke?${q}`,
    ];
    for (const path of paths) {
      const res = await call(t.url, 'POST', path, revoker);
      expect([path, res.status, res.body.error]).toEqual([path, 404, 'not_found']);
    }
    expect(audit.of('operator_action')).toEqual([]);
  });

  it('still audits a revoke of a task that exists, once it is done', async () => {
    expect((await t.exchange({ task_id: 'T-1' })).status).toBe(200);
    const res = await call(t.url, 'POST', `/v1/tasks/T-1/revoke?${q}`, OPERATOR_KEYS.revoker.key);
    expect(res.body).toEqual({ task_id: 'T-1', status: 'revoked', revoked: 1 });
    expect(audit.of('operator_action').at(-1)).toEqual({
      event: 'operator_action',
      operator: 'revoker-key',
      roles: ['revoker'],
      action: 'revoke_task',
      agent: AGENT,
      task: 'T-1',
      revoked: 1,
    });
  });
});
