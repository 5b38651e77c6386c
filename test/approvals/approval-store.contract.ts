import type { Approval, ApprovalState } from '../../src/approvals/approval.js';
import type { ApprovalPosition, ApprovalStore } from '../../src/approvals/approval-store.js';
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
    /** Stores a new approval, under no practical bound and with its own fingerprint. */
    const create = async (a: Approval) => {
      expect(await s.store.ask(a, { fingerprint: a.id, maxPending: 1000 })).toEqual({
        outcome: 'created',
        approval: a,
      });
    };
    /** Every approval a walk through the pages finds, with the page sizes it saw. */
    const walk = async (query: { state?: ApprovalState; limit: number }) => {
      const ids: string[] = [];
      const sizes: number[] = [];
      let after: ApprovalPosition | undefined;
      do {
        const page = await s.store.page({ ...query, ...(after ? { after } : {}) });
        ids.push(...page.approvals.map((a) => a.id));
        sizes.push(page.approvals.length);
        after = page.next;
      } while (after && sizes.length < 100);
      return { ids, sizes };
    };
    const ids = async (state?: ApprovalState) =>
      (await walk({ limit: 200, ...(state ? { state } : {}) })).ids;
    beforeEach(async () => {
      s = await make();
      s.clock.set(start);
    });
    afterEach(() => s.cleanup());

    it('stores an approval and reads it back as it was', async () => {
      const a = approval('apr_1', { targets: [], scopes: ['a', 'b'] });
      await create(a);
      expect(await s.store.get('apr_1')).toEqual(a);
      expect(await s.store.get('apr_unknown')).toBeNull();
    });

    it('decides a pending approval once, recording who and why', async () => {
      await create(approval('apr_1'));
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
      await create(approval('apr_1'));
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
      await create(approval('apr_1', { expiresAt: start + 1000 }));
      await create(approval('apr_2', { expiresAt: start + 1000 }));
      await s.store.decide('apr_2', { state: 'approved', by: 'a', reason: 'r', at: start });
      const late = { state: 'approved' as const, by: 'a', reason: 'r', at: start + 1000 };
      expect(await s.store.decide('apr_1', late)).toMatchObject({ ok: false, reason: 'expired' });
      expect(await s.store.consume('apr_2', start + 1000)).toMatchObject({
        ok: false,
        reason: 'expired',
      });
    });

    it('pages retained approvals in the order they expire, filtered by state as seen now', async () => {
      await create(approval('apr_b', { expiresAt: start + 20_000 }));
      await create(approval('apr_a', { expiresAt: start + 10_000 }));
      await create(approval('apr_c', { expiresAt: start + 30_000 }));
      await create(approval('apr_d', { expiresAt: start + 40_000 }));
      await s.store.decide('apr_c', { state: 'denied', by: 'a', reason: 'r', at: start + 1 });
      await s.store.decide('apr_d', { state: 'approved', by: 'a', reason: 'r', at: start + 1 });
      expect(await ids()).toEqual(['apr_a', 'apr_b', 'apr_c', 'apr_d']);
      expect(await ids('pending')).toEqual(['apr_a', 'apr_b']);
      expect(await ids('denied')).toEqual(['apr_c']);
      expect(await ids('approved')).toEqual(['apr_d']);
      expect(await ids('expired')).toEqual([]);
      expect(await s.store.countPending()).toBe(2);
      s.clock.set(start + 20_000);
      expect(await ids('pending')).toEqual([]);
      expect(await ids('expired')).toEqual(['apr_a', 'apr_b']);
      expect(await s.store.countPending()).toBe(0);
      s.clock.set(start + 40_000);
      expect(await ids('expired')).toEqual(['apr_a', 'apr_b', 'apr_d']);
      await s.store.consume('apr_d', start + 1);
    });

    it('walks every approval once through pages of a cursor, ties on expiry included', async () => {
      const made: string[] = [];
      for (let i = 0; i < 23; i++) {
        const id = `apr_${String(i).padStart(2, '0')}`;
        made.push(id);
        // Three approvals share each expiry, so a page boundary falls inside a tie.
        await create(approval(id, { expiresAt: start + 60_000 + Math.floor(i / 3) }));
      }
      const { ids: seen, sizes } = await walk({ limit: 5 });
      expect(seen).toEqual(made);
      expect(sizes).toEqual([5, 5, 5, 5, 3]);
      const last = await s.store.page({ limit: 23 });
      expect(last.approvals).toHaveLength(23);
      expect(last.next).toBeUndefined();
      expect((await walk({ state: 'pending', limit: 7 })).ids).toEqual(made);
    });

    it('returns the pending approval of an identical re-ask instead of adding one', async () => {
      const first = approval('apr_1');
      await s.store.ask(first, { fingerprint: 'same', maxPending: 5 });
      const again = await s.store.ask(approval('apr_2'), { fingerprint: 'same', maxPending: 5 });
      expect(again).toEqual({ outcome: 'pending', approval: first });
      expect(await s.store.get('apr_2')).toBeNull();
      expect(await s.store.countPending()).toBe(1);
      // Once decided (or expired), the same request asks anew.
      await s.store.decide('apr_1', { state: 'denied', by: 'a', reason: 'r', at: start + 1 });
      const anew = await s.store.ask(approval('apr_3'), { fingerprint: 'same', maxPending: 5 });
      expect(anew.outcome).toBe('created');
    });

    it("bounds an agent's pending approvals, saying when the oldest expires; others are not held up", async () => {
      const ask = (id: string, overrides: Partial<Approval> = {}) =>
        s.store.ask(approval(id, overrides), { fingerprint: id, maxPending: 3 });
      expect((await ask('apr_1', { expiresAt: start + 5_000 })).outcome).toBe('created');
      expect((await ask('apr_2', { expiresAt: start + 6_000 })).outcome).toBe('created');
      expect((await ask('apr_3', { expiresAt: start + 7_000 })).outcome).toBe('created');
      expect(await ask('apr_4', { expiresAt: start + 8_000 })).toEqual({
        outcome: 'limited',
        oldestExpiresAt: start + 5_000,
      });
      expect(await s.store.get('apr_4')).toBeNull();
      expect((await ask('apr_x', { agentId: 'spiffe://test.example/agent/other' })).outcome).toBe(
        'created',
      );
      // A decided approval no longer counts, nor does an expired one.
      await s.store.decide('apr_2', { state: 'approved', by: 'a', reason: 'r', at: start + 1 });
      expect((await ask('apr_5', { expiresAt: start + 9_000 })).outcome).toBe('created');
      expect((await ask('apr_6')).outcome).toBe('limited');
      s.clock.set(start + 5_000);
      expect((await ask('apr_7', { expiresAt: start + 15_000 })).outcome).toBe('created');
    });

    it('keeps the bound when one agent asks concurrently', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          s.store.ask(approval(`apr_${i}`), { fingerprint: `f${i}`, maxPending: 4 }),
        ),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(4);
      expect(await s.store.countPending()).toBe(4);
    });

    it('forgets approvals a retention time after they expire', async () => {
      await create(approval('apr_1', { expiresAt: start + 1000 }));
      s.clock.set(start + 1000 + CONTRACT_RETENTION_MS - 1);
      expect(await ids()).toEqual(['apr_1']);
      s.clock.set(start + 1000 + CONTRACT_RETENTION_MS + 1);
      expect(await ids()).toEqual([]);
    });
  });
}

/** A clock tests move by hand. */
export function manualClock(): ContractSubject['clock'] {
  let now = Date.now();
  return { now: () => now, set: (ms) => (now = ms) };
}
