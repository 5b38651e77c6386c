/** Who asks for an operator action, and of which agent. */
export interface OperatorCommand {
  /** The operator's API key name, as audited (never written to the revocation feed). */
  readonly operator: string;
  /** The agent acted on (its SPIFFE ID or OIDC agent id). */
  readonly agent: string;
}
