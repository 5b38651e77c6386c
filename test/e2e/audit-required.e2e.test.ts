import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/eventually.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS, call } from './redis-broker.js';

const TRIAGE = 'spiffe://test.example/agent/triage';

/** The grants the broker revoked on its feed, and whether each is live in the store. */
async function revokedGrants(t: TestBroker): Promise<{ reason: string; live: boolean }[]> {
  const { revocations } = await t.broker.store.revocations(undefined, 100);
  return Promise.all(
    revocations
      .filter((r) => r.jti !== undefined)
      .map(async (r) => ({
        reason: r.reason,
        live: (await t.broker.store.getGrant(TRIAGE, r.jti!))?.live ?? false,
      })),
  );
}

/** A broker whose audit file cannot be written: its path is a directory. */
async function withUnwritableFile(required: boolean): Promise<TestBroker> {
  const t = await startTestBroker({
    config: { audit: { required, sinks: [{ type: 'file', path: 'audit-dir/audit.jsonl' }] } },
  });
  await t.close();
  mkdirSync(join(t.dir, 'audit-dir', 'audit.jsonl'), { recursive: true });
  return startTestBroker({
    config: {
      audit: {
        required,
        sinks: [{ type: 'file', path: join(t.dir, 'audit-dir', 'audit.jsonl') }],
      },
    },
  });
}

describe('audit.required: no token without its audit record', () => {
  it('refuses with 503 and no token when the audit file cannot be written, the grant revoked', async () => {
    const t = await withUnwritableFile(true);
    try {
      const res = await t.exchange({ task_id: 'REQ-1' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the audit trail cannot be written; no token is issued until it can',
      });
      expect(res.headers.get('retry-after')).toBe('1');
      // The grant recorded before the mint is revoked: nothing live, on the feed for verifiers.
      expect(await revokedGrants(t)).toEqual([{ reason: 'audit trail unavailable', live: false }]);
      const tasks = await t.broker.store.listGrants({ agentId: TRIAGE }, { limit: 10 });
      expect(tasks.items).toEqual([]);

      // Two records failed: the granted exchange's, then its refusal's (written without waiting).
      const failures = () => t.broker.auditTrail!.health()[0]!.failures;
      await eventually(() => failures() === 2, 'the refusal record failed too');
      const ready = await call(t.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'unavailable',
        reason: 'audit sink failing: file',
        audit: [{ sink: 'file', ok: false, failures: 2 }],
      });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toContain('mandate_audit_write_failures_total{sink="file"} 2');
    } finally {
      await t.close();
    }
  });

  it('by default grants and counts the failure, /readyz still ready but showing the sink failing', async () => {
    const t = await withUnwritableFile(false);
    try {
      expect((await t.exchange({ task_id: 'REQ-2' })).status).toBe(200);
      await eventually(() => t.broker.auditTrail!.health()[0]!.failures === 1, 'write failed');
      const ready = await call(t.url, 'GET', '/readyz');
      expect(ready.body).toEqual({
        status: 'ready',
        audit: [{ sink: 'file', ok: false, failures: 1 }],
      });
    } finally {
      await t.close();
    }
  });

  describe('with the Redis sink down', () => {
    let own: OwnRedis;
    let t: TestBroker;
    beforeAll(async () => {
      own = await startOwnRedis();
      t = await startTestBroker({
        config: {
          operators: OPERATORS_CONFIG,
          audit: { required: true, sinks: [{ type: 'redis', url: own.url }] },
        },
      });
    });
    afterAll(() => t.close());

    it('grants while Redis takes the record, refuses once it is gone, and revokes the grant', async () => {
      expect((await t.exchange({ task_id: 'REQ-3' })).status).toBe(200);
      expect(await own.client.xlen('mandate:audit')).toBe(1);
      await own.stop();

      const res = await t.exchange({ task_id: 'REQ-4' });
      expect(res.status).toBe(503);
      expect(res.body.access_token).toBeUndefined();
      expect(await revokedGrants(t)).toEqual([{ reason: 'audit trail unavailable', live: false }]);
      const live = await t.broker.store.listGrants({ agentId: TRIAGE }, { limit: 10 });
      expect(live.items.map((g) => g.taskId)).toEqual(['REQ-3']);

      const audit = await call(t.url, 'GET', '/v1/audit', OPERATOR_KEYS.viewer.key);
      expect(audit.status).toBe(503);
      expect(audit.body.error).toBe('temporarily_unavailable');
      await eventually(
        () => t.broker.auditTrail!.health()[0]!.failures === 2,
        'the refusal record failed too',
      );
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toContain('mandate_audit_write_failures_total{sink="redis"} 2');
    });
  });
});
