import type { JWTPayload } from 'jose';
import { isStringArray } from './check-access-token.js';
import { readDelegationClaims, readLineageEntry, type LineageEntry } from './delegation-claims.js';
import { TokenMalformed } from './errors.js';
import { verifyBrokerJwt, type TokenCheck } from './verify-broker-jwt.js';

/** The `typ` of transaction tokens (draft-ietf-oauth-transaction-tokens-10). */
export const TRANSACTION_TOKEN_TYP = 'txntoken+jwt';

/** `tctx`: the task context a transaction token carries from service to service. */
export interface TransactionContext {
  /** The task the access token was good for. */
  readonly task: string;
  /** The agent holding the grant the transaction token came from. */
  readonly client_id: string;
  /** Space-separated scopes of that grant. */
  readonly scope: string;
  /** Risk tier of that grant. */
  readonly tier?: string;
  /** Targets named by the agent's intent. */
  readonly targets?: readonly string[];
  /** Original subject first, current actor last (`[sub]` when not delegated). */
  readonly chain: readonly string[];
  /** The grant the transaction token is bound to: revoking it revokes this token. */
  readonly grant: {
    readonly client_id: string;
    readonly task: string;
    readonly jti: string;
    readonly iat: number;
  };
  readonly [claim: string]: unknown;
}

/** `rctx`: what the broker knew of the request that asked for the transaction token. */
export interface RequestContext {
  /** Address of the client that asked for the transaction token. */
  readonly req_ip?: string;
  readonly [claim: string]: unknown;
}

/** A transaction token the verifier accepted. */
export interface VerifiedTransactionToken {
  /** `txn`: the transaction's unique id, for logs across services. */
  readonly txn: string;
  /** `sub`: the original subject of the access token it came from. */
  readonly subject: string;
  /** `purp`: the purpose of the task. */
  readonly purpose: string;
  /** `tctx`, as signed. */
  readonly context: TransactionContext;
  /** `rctx`, when the broker put one in. */
  readonly requestContext: RequestContext | undefined;
  /** `tctx.scope`, split. */
  readonly scopes: readonly string[];
  /** `tctx.grant`: the grant it is bound to. */
  readonly grant: LineageEntry;
  /** Ancestor grants (`lineage`), root first; `[]` when not delegated. */
  readonly lineage: readonly LineageEntry[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Every claim as signed. */
  readonly claims: JWTPayload;
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'txn', 'sub', 'purp', 'tctx'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks signature, `typ: txntoken+jwt`, issuer, audience, times and the shape of `txn`, `sub`,
 * `purp`, `tctx` and `rctx`. Says nothing about revocation or scopes.
 */
export async function checkTransactionToken(
  token: string,
  check: TokenCheck,
): Promise<VerifiedTransactionToken> {
  const payload = await verifyBrokerJwt(token, check, TRANSACTION_TOKEN_TYP, REQUIRED_CLAIMS);
  const { txn, purp, tctx, rctx } = payload;
  if (typeof txn !== 'string' || txn === '') throw new TokenMalformed('the "txn" claim is empty');
  if (typeof purp !== 'string') throw new TokenMalformed('the "purp" claim is not a string');
  const context = readContext(tctx);
  if (context.chain[0] !== payload.sub)
    throw new TokenMalformed('the "tctx.chain" does not start with the subject');
  if (rctx !== undefined && !isObject(rctx))
    throw new TokenMalformed('the "rctx" claim is not an object');
  return {
    txn,
    subject: payload.sub!,
    purpose: purp,
    context,
    requestContext: rctx as RequestContext | undefined,
    scopes: context.scope.split(' ').filter((s) => s !== ''),
    grant: readLineageEntry(context.grant),
    lineage: readDelegationClaims({ lineage: payload.lineage }).lineage,
    issuedAt: payload.iat!,
    expiresAt: payload.exp!,
    claims: payload,
  };
}

function readContext(tctx: unknown): TransactionContext {
  if (!isObject(tctx)) throw new TokenMalformed('the "tctx" claim is not an object');
  const { task, client_id: clientId, scope, tier, targets, chain } = tctx;
  const text = (v: unknown) => typeof v === 'string' && v !== '';
  if (!text(task) || !text(clientId) || typeof scope !== 'string')
    throw new TokenMalformed('the "tctx" claim lacks its task, client_id or scope');
  if (!isStringArray(chain) || chain.length === 0)
    throw new TokenMalformed('the "tctx.chain" claim is not a list of agent ids');
  if (
    (tier !== undefined && typeof tier !== 'string') ||
    !(targets === undefined || isStringArray(targets))
  )
    throw new TokenMalformed('the "tctx" tier or targets are of the wrong shape');
  const grant = readLineageEntry(tctx.grant);
  // The grant holder is the chain's current actor, the one the grant is recorded under.
  if (grant.agentId !== clientId || chain.at(-1) !== clientId)
    throw new TokenMalformed('the "tctx" grant, client_id and chain name different agents');
  return tctx as TransactionContext;
}
