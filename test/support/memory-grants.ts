import type { GrantRecord } from '../../src/grants/grant-store.js';
import type { LoopLimits } from '../../src/grants/loop-rules.js';
import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import type { Clock } from '../../src/platform/clock.js';
import {
  makeGrant,
  recordInput,
  testClock,
  type TestClock,
} from '../grants/grant-store.contract.js';

/** A fixed instant (2031-05-01T12:00Z), so no test depends on today's date. */
export const FIXED_NOW = Date.UTC(2031, 4, 1, 12);

/** The agent the fixtures' grants belong to. */
export const AGENT = 'spiffe://test.example/agent/triage';

/** A clock that stands at {@link FIXED_NOW} unless a test moves it. */
export function fixedClock(): TestClock {
  return testClock(FIXED_NOW);
}

/** A memory grant store on `clock`, keeping revocations an hour. */
export function memoryGrantStore(clock: Clock): MemoryGrantStore {
  return new MemoryGrantStore({ clock, revocationRetentionMs: 3_600_000 });
}

/** Loop rules that trip on the second identical exchange of a task, and on nothing else. */
const HALT_ON_REPEAT: LoopLimits = {
  windowMs: 60_000,
  maxExchanges: 1000,
  maxIdentical: 1,
  maxGrants: 1000,
  maxLiveGrants: 1000,
  maxTaskAgeMs: 86_400_000,
  agentWindowMs: 60_000,
  maxHaltedTasks: 1000,
  blockForMs: 60_000,
};

/** A 5-minute grant of `AGENT`'s task `T-1` (or as `over` says), issued at the clock's now. */
function newGrant(clock: Clock, over: Partial<GrantRecord> = {}): GrantRecord {
  return makeGrant(clock.now(), { agentId: AGENT, ...over });
}

/** Records a live grant of `AGENT`'s task `T-1` (or as `over` says) at the clock's now. */
export async function recordGrant(
  store: MemoryGrantStore,
  clock: Clock,
  over: Partial<GrantRecord> = {},
): Promise<GrantRecord> {
  const result = await store.recordGrant(recordInput(newGrant(clock, over), clock.now()));
  if (!result.ok) throw new Error(`fixture grant refused: ${result.refusal.reason}`);
  return result.grant;
}

/** Halts `AGENT`'s task `taskId` the way the broker does: a loop rule trips on a repeat. */
export async function haltTask(
  store: MemoryGrantStore,
  clock: Clock,
  taskId: string,
): Promise<void> {
  for (let i = 0; i < 2; i += 1) {
    await store.recordGrant({
      ...recordInput(newGrant(clock, { taskId }), clock.now()),
      fingerprint: 'same intent',
      loops: HALT_ON_REPEAT,
    });
  }
  const task = await store.getTask(AGENT, taskId);
  if (task?.status !== 'halted') throw new Error(`fixture task ${taskId} did not halt`);
}
