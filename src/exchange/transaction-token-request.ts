/** The token-type URI of transaction tokens (draft-ietf-oauth-transaction-tokens-10). */
export const TXN_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:txn_token';

/** A validated request for a transaction token, free of HTTP. */
export interface TransactionTokenRequest {
  /** A Mandate access token (`subject_token_type` access_token). */
  readonly subjectToken: string;
  /** Scopes the transaction needs: a subset of the access token's; absent: all of them. */
  readonly scopes?: readonly string[];
  /** When given, the access token's own audience (a transaction token never changes it). */
  readonly audience?: string;
  /** The address the request came from, for `rctx.req_ip`. */
  readonly clientAddress?: string;
}

/** A transaction token, as the wire returns it (RFC 8693 section 2.2.1). */
export interface TransactionTokenResponse {
  readonly access_token: string;
  readonly issued_token_type: typeof TXN_TOKEN_TYPE;
  /** The token is not an OAuth access token: no `Bearer` use (RFC 8693 section 2.2.1). */
  readonly token_type: 'N_A';
  readonly expires_in: number;
  readonly scope: string;
}
