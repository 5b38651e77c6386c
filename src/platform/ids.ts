import { createHash, randomBytes } from 'node:crypto';

/** Generates identifiers; injected so tests can make them predictable. */
export interface IdGenerator {
  /** A 128-bit random identifier, base64url encoded (used for grant ids / jti). */
  grantId(): string;
  /** A broker-issued task id. */
  taskId(): string;
}

/** Cryptographically random ids. */
export const randomIds: IdGenerator = {
  grantId: () => randomBytes(16).toString('base64url'),
  taskId: () => `tsk_${randomBytes(12).toString('base64url')}`,
};

/** Hex sha256 of a string: how tokens appear in audit records, never in clear. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
