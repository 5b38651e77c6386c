import type { AgentTaskDetail } from '../intent/agent-task-detail.js';
import type { DeclaredIntent } from '../intent/intent.js';

/** The token-type URI of the access tokens the broker issues (RFC 8693 section 3). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The token type of a JWT (RFC 8693 section 3): what an RFC 7523 assertion is. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/**
 * How a request names the resource its token is for; at least one is given, and all that are
 * given must name the same catalogue resource (intent/select-resource.ts).
 */
export interface ResourceNaming {
  /** RFC 8693 `audience`: a resource name or audience URI from the catalogue. */
  readonly audience?: string;
  /** RFC 8707 `resource`: a resource's audience URI. */
  readonly resource?: string;
  /** RFC 9396 `locations` of the `authorization_details` entries. */
  readonly locations?: readonly string[];
}

/**
 * A validated request for an access token, free of HTTP: an RFC 8693 token exchange, or an
 * RFC 7523 jwt-bearer grant (`grant: 'jwt-bearer'`, its assertion as the subject token).
 */
export interface ExchangeRequest extends ResourceNaming {
  /** Absent: an RFC 8693 token exchange. */
  readonly grant?: 'jwt-bearer';
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  /** `scope` and every `authorization_details` entry's `actions`, deduplicated. */
  readonly scopes: readonly string[];
  /** Absent: the exchange starts a new task. */
  readonly taskId?: string;
  readonly intent: DeclaredIntent;
  readonly requestedTokenType?: string;
  /** An operator-approved approval this exchange was waiting for. */
  readonly approvalId?: string;
  /** A lifetime shorter than the tier's, in seconds. */
  readonly requestedTtlSeconds?: number;
  /**
   * Delegation (RFC 8693 section 2.1): the current actor's own token; the subject token is
   * then a Mandate access token the actor was handed.
   */
  readonly actorToken?: { readonly token: string; readonly type: string };
}

/**
 * A successful exchange, as the wire returns it: RFC 8693 section 2.2.1 (RFC 6749 section 5.1
 * for jwt-bearer, without `issued_token_type`), the granted RFC 9396 details, task and grant.
 */
export interface ExchangeResponse {
  readonly access_token: string;
  readonly issued_token_type?: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly authorization_details: readonly AgentTaskDetail[];
  readonly task_id: string;
  readonly grant_id: string;
}
