/** A verified workload identity: who is asking, as vouched for by a trusted authority. */
export interface Principal {
  /** The stable agent id: the SPIFFE ID, or the OIDC `agent_id` template applied to claims. */
  readonly agentId: string;
  /** Which kind of authority vouched for it. */
  readonly source: 'spiffe' | 'oidc';
  /** SPIFFE trust domain, for JWT-SVIDs. */
  readonly trustDomain?: string;
  /** SPIFFE ID path segments, for JWT-SVIDs (`spiffe://td/a/b` -> `['a', 'b']`). */
  readonly path?: readonly string[];
  /** OIDC issuer, for OIDC tokens. */
  readonly issuer?: string;
  /** The verified claims of the subject token. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** When the subject token expires (epoch seconds); no minted token outlives it. */
  readonly expiresAt: number;
  /**
   * The person the token names, when its OIDC issuer has a `person_id` template: an agent may
   * then act on the person's behalf with this token as subject and its own as actor.
   */
  readonly personId?: string;
  /** sha256 (hex) of the subject token, for audit records. */
  readonly tokenSha256: string;
}

/** What a verifier of one kind of subject token vouches for; the caller adds the token's hash. */
export type VerifiedSubject = Omit<Principal, 'tokenSha256'>;
