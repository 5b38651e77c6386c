import type { JWTPayload } from 'jose';
import { readAuthorizationDetails, type AuthorizationDetail } from './authorization-details.js';
import { readDelegationClaims, type LineageEntry } from './delegation-claims.js';
import { TokenMalformed } from './errors.js';
import { verifyBrokerJwt, type TokenCheck } from './verify-broker-jwt.js';

/** A token the verifier accepted, with its claims in the shapes an API uses. */
export interface VerifiedToken {
  /**
   * The agent holding the token's grant, the one acting now: `client_id`, else `sub` (tokens
   * without `client_id`). Equal to {@link subject} unless the token was delegated.
   */
  readonly agentId: string;
  /** `sub`: the original subject, the agent (or person) the work is done for. */
  readonly subject: string;
  /** Acting agents from `act`, current actor first: A -> B -> C gives `[C, B]`; `[]` if none. */
  readonly actors: readonly string[];
  /** How many times the work was handed on: `actors.length` (0 for a direct token). */
  readonly depth: number;
  /** Who the delegating agent allowed to act (`may_act.sub`), when it named anyone. */
  readonly mayAct: readonly string[] | undefined;
  /** Ancestor grants (`lineage`), root first, parent last; `[]` for a direct token. */
  readonly lineage: readonly LineageEntry[];
  /** `task.id`: the task the token is good for. */
  readonly taskId: string;
  /** `jti`: the grant id, what an operator revokes. */
  readonly grantId: string;
  /** `scope`, split. */
  readonly scopes: readonly string[];
  /** Risk tier of the grant (`read`, `write`, `destructive`). */
  readonly tier: string;
  /** Targets named by the agent's intent (empty when it named none). */
  readonly targets: readonly string[];
  readonly clientId: string | undefined;
  /**
   * `authorization_details` (RFC 9396) as signed: the task's intent as `agent_task` entries
   * (locations, actions, purpose, targets, tier, task id). Absent on tokens that do not carry it.
   */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Every claim as signed. */
  readonly claims: JWTPayload;
}

export type { TokenCheck };

/** The `typ` of broker access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'];

/**
 * Checks signature, header and registered claims of a broker access token with jose, and the
 * shape of Mandate's own claims. Says nothing about revocation, scopes or delegation limits.
 */
export async function checkAccessToken(token: string, check: TokenCheck): Promise<VerifiedToken> {
  return readClaims(await verifyBrokerJwt(token, check, ACCESS_TOKEN_TYP, REQUIRED_CLAIMS));
}

function readClaims(payload: JWTPayload): VerifiedToken {
  const { scope, task, tier, targets, client_id: clientId } = payload;
  if (typeof scope !== 'string') throw new TokenMalformed('the token has no "scope" claim');
  const taskId = (task as { id?: unknown } | undefined)?.id;
  if (typeof taskId !== 'string' || taskId === '')
    throw new TokenMalformed('the token has no "task.id" claim');
  if (typeof tier !== 'string') throw new TokenMalformed('the token has no "tier" claim');
  if (targets !== undefined && !isStringArray(targets))
    throw new TokenMalformed('the "targets" claim is not a list of strings');
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === ''))
    throw new TokenMalformed('the "client_id" claim is not a string');
  const delegation = readDelegationClaims(payload);
  const authorizationDetails = readAuthorizationDetails(payload.authorization_details);
  const agentId = clientId ?? payload.sub!;
  // The outermost actor holds the grant; a token saying otherwise cannot be revoked reliably.
  if (delegation.actors.length > 0 && delegation.actors[0] !== agentId)
    throw new TokenMalformed('the current actor ("act.sub") is not the "client_id"');
  return {
    agentId,
    subject: payload.sub!,
    actors: delegation.actors,
    depth: delegation.actors.length,
    mayAct: delegation.mayAct,
    lineage: delegation.lineage,
    taskId,
    grantId: payload.jti!,
    scopes: splitScopes(scope),
    tier,
    targets: targets ?? [],
    clientId,
    ...(authorizationDetails === undefined ? {} : { authorizationDetails }),
    issuedAt: payload.iat!,
    expiresAt: payload.exp!,
    claims: payload,
  };
}

/** Splits a space-separated `scope`. */
export function splitScopes(scope: string): string[] {
  return scope.split(' ').filter((s) => s !== '');
}

/** True for a list of strings. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
