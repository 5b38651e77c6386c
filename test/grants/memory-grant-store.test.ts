import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import { RETENTION_MS, grantStoreContract, type TestClock } from './grant-store.contract.js';
import { loopRulesContract } from './loop-rules.contract.js';

const make = (clock: TestClock) => {
  const store = new MemoryGrantStore({ clock, revocationRetentionMs: RETENTION_MS });
  return Promise.resolve({ store, peer: store, close: () => store.close() });
};

describe('MemoryGrantStore', () => {
  grantStoreContract(make);
});

describe('MemoryGrantStore loop rules', () => {
  loopRulesContract(make);
});
