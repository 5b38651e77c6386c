import type { RevocationEntry } from '../../src/revocation/revocation-entry.js';
import { CONTRACT_STARTS } from '../support/contract-starts.js';
import {
  AGENT,
  RETENTION_MS,
  byId,
  freshStore,
  until,
  type StoreHarness,
  type TestClock,
} from './store-harness.js';

/** The behaviour every `RevocationFeed` must show: paging, retention, watchers on shared state. */
export function revocationFeedContract(make: (clock: TestClock) => Promise<StoreHarness>): void {
  describe.each(CONTRACT_STARTS)('clock %s', (_when, start) => contract(make, start));
}

function contract(make: (clock: TestClock) => Promise<StoreHarness>, start: number): void {
  const t = freshStore(make, start);

  it('pages the feed by cursor, in order, and drops entries past their retention', async () => {
    const grants = [await t.record(), await t.record(), await t.record()];
    const ids: string[] = [];
    for (const g of grants) ids.push((await t.store.revokeGrant(AGENT, g.jti, 'x')).entry!.id);
    expect([...ids].sort(byId)).toEqual(ids);
    const first = await t.peer.revocations(undefined, 2);
    expect(first.revocations.map((e) => e.id)).toEqual(ids.slice(0, 2));
    const rest = await t.peer.revocations(first.cursor, 2);
    expect(rest.revocations.map((e) => e.id)).toEqual(ids.slice(2));
    expect(await t.peer.revocations(rest.cursor, 2)).toEqual({
      revocations: [],
      cursor: rest.cursor,
    });
    t.clock.advance(RETENTION_MS + 1000);
    const late = await t.record();
    const lateId = (await t.store.revokeGrant(AGENT, late.jti, 'x')).entry!.id;
    const after = await t.peer.revocations(undefined, 100);
    expect(after.revocations.map((e) => e.id)).toEqual([lateId]);
  });

  it('tells watchers about revocations written by any store on the same state', async () => {
    const seen: RevocationEntry[] = [];
    const stop = await t.store.watchRevocations((e) => seen.push(e));
    try {
      const g = await t.record();
      const result = await t.peer.revokeGrant(AGENT, g.jti, 'peer');
      await until(() => seen.length === 1);
      expect(seen).toEqual([result.entry]);
    } finally {
      stop();
    }
  });
}
