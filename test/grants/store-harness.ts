// What every store contract builds on: a clock tests move, a fresh store per test, grants.
import { randomBytes } from 'node:crypto';
import type { Page, PageRequest } from '../../src/grants/grant-records.js';
import type { GrantRecord, GrantStore, RecordGrantInput } from '../../src/grants/grant-store.js';

/** A clock tests move by hand. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

/** Makes a clock starting at the wall clock. */
export function testClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** A store under test, built on `clock`, with retention `RETENTION_MS`. */
export interface StoreHarness {
  readonly store: GrantStore;
  /** A second store on the same backing state (another broker), or the same store. */
  readonly peer: GrantStore;
  close(): Promise<void>;
}

export const RETENTION_MS = 600_000;
export const MAX_TASK_AGE_S = 3600;
export const AGENT = 'spiffe://test.example/agent/triage';
export const OTHER = 'spiffe://test.example/agent/other';

/** A grant of `agent`'s task `T-1`, issued at `now`, living `ttl` seconds. */
export function makeGrant(now: number, over: Partial<GrantRecord> = {}, ttl = 300): GrantRecord {
  const issuedAt = Math.floor(now / 1000);
  return {
    jti: randomBytes(16).toString('base64url'),
    agentId: AGENT,
    taskId: 'T-1',
    resource: 'tickets',
    audience: 'https://tickets.example',
    scopes: ['tickets:read'],
    tier: 'read',
    targets: ['T-1'],
    issuedAt,
    expiresAt: issuedAt + ttl,
    ...over,
  };
}

/** The input of recordGrant for `grant` at `now`. */
export function recordInput(grant: GrantRecord, now: number): RecordGrantInput {
  return { grant, purpose: 'triage T-1', now, maxTaskAgeSeconds: MAX_TASK_AGE_S };
}

/** The store of each test, built afresh on a clock at `start`; read its members inside tests. */
export interface FreshStore {
  readonly clock: TestClock;
  readonly store: GrantStore;
  readonly peer: GrantStore;
  /** Records a grant of `AGENT`'s `T-1` (with `over`) at the clock's time, expecting success. */
  record(over?: Partial<GrantRecord>, ttl?: number): Promise<GrantRecord>;
}

/** Registers the hooks that give each test of the calling `describe` a fresh store. */
export function freshStore(
  make: (clock: TestClock) => Promise<StoreHarness>,
  start: number,
): FreshStore {
  let clock: TestClock;
  let h: StoreHarness;
  beforeEach(async () => {
    clock = testClock(start);
    h = await make(clock);
  });
  afterEach(() => h.close());
  return {
    get clock() {
      return clock;
    },
    get store() {
      return h.store;
    },
    get peer() {
      return h.peer;
    },
    record: async (over = {}, ttl = 300) => {
      const grant = makeGrant(clock.now(), over, ttl);
      const result = await h.store.recordGrant(recordInput(grant, clock.now()));
      expect(result.ok).toBe(true);
      return grant;
    },
  };
}

/** Orders feed ids as the stream does. */
export function byId(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am! - bm! || as! - bs!;
}

/** Polls `condition` until it holds (events from another connection arrive asynchronously). */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every item of a listing, read page by page (`limit` a page) through the cursors. */
export async function allPages<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit = 1000,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages += 1) {
    const page = await list({ limit, ...(cursor !== undefined ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (page.next === undefined) return items;
    cursor = page.next;
  }
  throw new Error('a listing that never ends');
}
