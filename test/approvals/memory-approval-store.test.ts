import { MemoryApprovalStore } from '../../src/approvals/memory-approval-store.js';
import {
  approvalStoreContract,
  CONTRACT_RETENTION_MS,
  manualClock,
} from './approval-store.contract.js';

approvalStoreContract('memory', () => {
  const clock = manualClock();
  const store = new MemoryApprovalStore({ clock, retentionMs: CONTRACT_RETENTION_MS });
  return Promise.resolve({ store, clock, cleanup: () => Promise.resolve() });
});
