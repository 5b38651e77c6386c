/** Who asks for an operator action, and of which agent. */
export interface OperatorCommand {
  /** The operator's API key name, as audited (never written to the revocation feed). */
  readonly operator: string;
  /** The roles the operator's key holds, as audited. */
  readonly roles?: readonly string[];
  /** The agent acted on (its SPIFFE ID or OIDC agent id). */
  readonly agent: string;
}

/** The `roles` member of an audit event, when the command names them. */
export function rolesOf(command: OperatorCommand): { roles?: readonly string[] } {
  return command.roles ? { roles: command.roles } : {};
}
