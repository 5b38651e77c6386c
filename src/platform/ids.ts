import { createHash, randomBytes } from 'node:crypto';

/** Generates identifiers; injected so tests can make them predictable. */
export interface IdGenerator {
  /** A 128-bit random identifier, base64url encoded (used for grant ids / jti). */
  grantId(): string;
  /** A broker-issued task id. */
  taskId(): string;
}

/** Random bytes drawn from the system at a time: one `getrandom` call per 256 grant ids. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * `n` cryptographically random bytes, from a pool refilled from the system's CSPRNG when
 * drained (as Node's own `randomUUID` does): a syscall per exchange is a cost on the hot path.
 * Each byte is handed out once.
 */
function random(n: number): Buffer {
  if (used + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

/** Cryptographically random ids. */
export const randomIds: IdGenerator = {
  grantId: () => random(16).toString('base64url'),
  taskId: () => `tsk_${random(12).toString('base64url')}`,
};

/** Hex sha256 of a string: how tokens appear in audit records, never in clear. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
