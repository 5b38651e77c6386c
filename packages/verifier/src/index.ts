/**
 * `@mandate/verifier`: what a downstream API needs to accept the broker's tokens. Depends on
 * jose and Node built-ins only; the Express middleware is `@mandate/verifier/express`.
 */
export {
  createVerifier,
  type RevocationOptions,
  type RevocationStatus,
  type Verifier,
  type VerifierOptions,
  type VerifyOptions,
} from './create-verifier.js';
export { ACCESS_TOKEN_TYP, type VerifiedToken } from './check-access-token.js';
export {
  TRANSACTION_TOKEN_TYP,
  type RequestContext,
  type TransactionContext,
  type VerifiedTransactionToken,
} from './check-transaction-token.js';
export type { LineageEntry } from './delegation-claims.js';
export type { AuthorizationDetail } from './authorization-details.js';
export {
  protectedResourceMetadata,
  resourceMetadataUrl,
  type ProtectedResourceMetadata,
  type ProtectedResourceOptions,
} from './protected-resource.js';
export type { RevocationEntry, RevocationKind, RevocationPage } from './revocation-entry.js';
export { VERIFIER_DEFAULTS } from './verifier-defaults.js';
export * from './errors.js';
