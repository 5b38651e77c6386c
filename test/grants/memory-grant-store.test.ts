import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import { RETENTION_MS, grantStoreContract } from './grant-store.contract.js';

describe('MemoryGrantStore', () => {
  grantStoreContract((clock) => {
    const store = new MemoryGrantStore({ clock, revocationRetentionMs: RETENTION_MS });
    return Promise.resolve({ store, peer: store, close: () => store.close() });
  });
});
