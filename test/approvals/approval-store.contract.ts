import type { Approval } from '../../src/approvals/approval.js';
import type { ApprovalStore } from '../../src/approvals/approval-store.js';
import { CONTRACT_STARTS } from '../support/contract-starts.js';

/** A store under test with the clock it reads, set to `start` and moved by the test. */
export interface ContractSubject {
  readonly store: ApprovalStore;
  readonly clock: { now(): number; set(ms: number): void };
  cleanup(): Promise<void>;
}

/** Retention every contract store is made with. */
export const CONTRACT_RETENTION_MS = 60_000;

function approvalAt(start: number, id: string, overrides: Partial<Approval> = {}): Approval {
  return {
    id,
    agentId: 'spiffe://test.example/agent/deploy',
    taskId: 'T-1',
    resource: 'deploy',
    audience: 'https://deploy.example',
    scopes: ['deploy:destroy-env'],
    tier: 'destructive',
    sensitivity: 'confidential',
    ttlSeconds: 60,
    purpose: 'remove preview env',
    targets: [],
    state: 'pending',
    createdAt: start,
    expiresAt: start + 15 * 60_000,
    ...overrides,
  };
}

/**
 * The behaviour every {@link ApprovalStore} must have, once per start of {@link CONTRACT_STARTS}.
 * `make` returns a fresh, empty store on a clock the contract sets.
 */
export function approvalStoreContract(name: string, make: () => Promise<ContractSubject>): void {
  describe.each(CONTRACT_STARTS)(`ApprovalStore contract: ${name}, clock %s`, (_when, start) => {
    const approval = (id: string, overrides: Partial<Approval> = {}) =>
      approvalAt(start, id, overrides);
    let s: ContractSubject;
    beforeEach(async () => {
      s = await make();
      s.clock.set(start);
    });
    afterEach(() => s.cleanup());

    it('stores an approval and reads it back as it was', async () => {
      const a = approval('apr_1', { targets: [], scopes: ['a', 'b'] });
      await s.store.create(a);
      expect(await s.store.get('apr_1')).toEqual(a);
      expect(await s.store.get('apr_unknown')).toBeNull();
    });

    it('decides a pending approval once, recording who and why', async () => {
      await s.store.create(approval('apr_1'));
      const verdict = { state: 'approved' as const, by: 'alice', reason: 'planned', at: start + 1 };
      const first = await s.store.decide('apr_1', verdict);
      expect(first).toEqual({
        ok: true,
        approval: expect.objectContaining({
          state: 'approved',
          decidedBy: 'alice',
          reason: 'planned',
          decidedAt: start + 1,
        }) as Approval,
      });
      const second = await s.store.decide('apr_1', { ...verdict, state: 'denied', by: 'bob' });
      expect(second).toMatchObject({ ok: false, reason: 'wrong_state' });
      expect((await s.store.get('apr_1'))?.decidedBy).toBe('alice');
      expect(await s.store.decide('apr_nope', verdict)).toEqual({ ok: false, reason: 'not_found' });
    });

    it('consumes an approved approval exactly once, even when raced', async () => {
      await s.store.create(approval('apr_1'));
      expect(await s.store.consume('apr_1', start + 1)).toMatchObject({
        ok: false,
        reason: 'wrong_state',
      });
      await s.store.decide('apr_1', { state: 'approved', by: 'a', reason: 'r', at: start + 1 });
      const results = await Promise.all(
        Array.from({ length: 10 }, () => s.store.consume('apr_1', start + 2)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await s.store.get('apr_1'))?.state).toBe('consumed');
      expect((await s.store.get('apr_1'))?.consumedAt).toBe(start + 2);
    });

    it('refuses to decide or consume after expiry', async () => {
      await s.store.create(approval('apr_1', { expiresAt: start + 1000 }));
      await s.store.create(approval('apr_2', { expiresAt: start + 1000 }));
      await s.store.decide('apr_2', { state: 'approved', by: 'a', reason: 'r', at: start });
      const late = { state: 'approved' as const, by: 'a', reason: 'r', at: start + 1000 };
      expect(await s.store.decide('apr_1', late)).toMatchObject({ ok: false, reason: 'expired' });
      expect(await s.store.consume('apr_2', start + 1000)).toMatchObject({
        ok: false,
        reason: 'expired',
      });
    });

    it('lists retained approvals oldest first, filtered by stored state', async () => {
      await s.store.create(approval('apr_b', { createdAt: start + 2 }));
      await s.store.create(approval('apr_a', { createdAt: start + 1 }));
      await s.store.create(approval('apr_c', { createdAt: start + 3 }));
      await s.store.decide('apr_c', { state: 'denied', by: 'a', reason: 'r', at: start + 4 });
      expect((await s.store.list()).map((a) => a.id)).toEqual(['apr_a', 'apr_b', 'apr_c']);
      expect((await s.store.list({ state: 'pending' })).map((a) => a.id)).toEqual([
        'apr_a',
        'apr_b',
      ]);
    });

    it('forgets approvals a retention time after they expire', async () => {
      await s.store.create(approval('apr_1', { expiresAt: start + 1000 }));
      s.clock.set(start + 1000 + CONTRACT_RETENTION_MS - 1);
      expect((await s.store.list()).map((a) => a.id)).toEqual(['apr_1']);
      s.clock.set(start + 1000 + CONTRACT_RETENTION_MS + 1);
      expect(await s.store.list()).toEqual([]);
    });
  });
}

/** A clock tests move by hand. */
export function manualClock(): ContractSubject['clock'] {
  let now = Date.now();
  return { now: () => now, set: (ms) => (now = ms) };
}
