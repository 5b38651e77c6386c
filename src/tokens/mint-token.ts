import type { AgentTaskDetail } from '../intent/agent-task-detail.js';
import type { ScopeClass } from '../intent/tiers.js';
import type { KeyRing } from './key-ring.js';
import { signJws } from './sign-jws.js';
import type { LineageEntry } from './token-lineage.js';

/** Who a delegated token acts for, and through whom (RFC 8693 section 4.1). */
export interface TokenDelegation {
  /** `sub`: the original subject (the first agent, or the person acted for). */
  readonly subject: string;
  /** The acting agents, current first (`act`, outermost first); the current is the holder. */
  readonly actors: readonly string[];
  /** The ancestors' grants, root first, parent last. */
  readonly lineage: readonly LineageEntry[];
  /** The person acted for, when the chain started from a person's token. */
  readonly person?: string;
}

/** What a token says: a recorded grant's fields (the grant store's records have this shape). */
export interface TokenClaims {
  /** The grant id. */
  readonly jti: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly tier: ScopeClass;
  readonly targets: readonly string[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** Set on a delegated token: `sub` is then the original subject, `act` the actors. */
  readonly delegation?: TokenDelegation;
  /** Who may act for this token's holder (`may_act`): agent ids, or prefixes ending in `*`. */
  readonly mayAct?: readonly string[];
  /** The granted RFC 9396 details (section 9.1: the `authorization_details` claim). */
  readonly authorizationDetails?: readonly AgentTaskDetail[];
}

/** RFC 8693 `act`, nested: the current actor outermost, earlier actors inside. */
function nestedAct(actors: readonly string[]): Record<string, unknown> | undefined {
  let act: Record<string, unknown> | undefined;
  for (const sub of [...actors].reverse()) act = act ? { sub, act } : { sub };
  return act;
}

/** The `typ` of minted tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * Signs the access token for a recorded grant. Claims follow RFC 9068 plus the task and tier;
 * `jti` is the grant id, so a token is live exactly while its grant is.
 *
 * @example
 * const token = await mintAccessToken(grant, { issuer, keyRing });
 */
export function mintAccessToken(
  grant: TokenClaims,
  options: { issuer: string; keyRing: KeyRing },
): string {
  return signJws(
    { typ: ACCESS_TOKEN_TYP },
    {
      client_id: grant.agentId,
      scope: grant.scopes.join(' '),
      task: { id: grant.taskId },
      tier: grant.tier,
      ...(grant.targets.length > 0 ? { targets: [...grant.targets] } : {}),
      ...(grant.delegation
        ? {
            act: nestedAct(grant.delegation.actors),
            ...(grant.delegation.lineage.length > 0
              ? { lineage: [...grant.delegation.lineage] }
              : {}),
          }
        : {}),
      ...(grant.mayAct ? { may_act: { sub: [...grant.mayAct] } } : {}),
      ...(grant.authorizationDetails ? { authorization_details: grant.authorizationDetails } : {}),
      iss: options.issuer,
      sub: grant.delegation?.subject ?? grant.agentId,
      aud: grant.audience,
      iat: grant.issuedAt,
      nbf: grant.issuedAt,
      exp: grant.expiresAt,
      jti: grant.jti,
    },
    options.keyRing.active,
  );
}
