import type { DeclaredIntent } from '../intent/intent.js';

/** The token-type URI of the access tokens the broker issues (RFC 8693 section 3). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A validated RFC 8693 exchange request, free of HTTP. */
export interface ExchangeRequest {
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  /** A resource name or audience URI from the catalogue. */
  readonly audience: string;
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

/** A successful exchange, as the wire returns it (RFC 8693 section 2.2.1 plus task and grant). */
export interface ExchangeResponse {
  readonly access_token: string;
  readonly issued_token_type: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly task_id: string;
  readonly grant_id: string;
}
