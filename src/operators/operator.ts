/** Roles an operator API key can hold. `admin` includes every other role. */
export const OPERATOR_ROLES = [
  'viewer',
  'approver',
  'revoker',
  'admin',
  'resource_server',
] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** An authenticated caller of the operator API or of the resource-server endpoints. */
export interface Operator {
  /** The key's name from config: who did it, in logs and audit records. */
  readonly name: string;
  readonly roles: ReadonlySet<OperatorRole>;
  /**
   * A `resource_server` key limited to these token audiences: it introspects only their tokens
   * and reads only their entries of the feed (besides agent-wide ones). Absent: every audience.
   */
  readonly audiences?: ReadonlySet<string>;
}

/** Roles that include others: approving or revoking implies seeing what is approved or revoked. */
const IMPLIED: Record<OperatorRole, readonly OperatorRole[]> = {
  admin: ['viewer', 'approver', 'revoker', 'resource_server'],
  approver: ['viewer'],
  revoker: ['viewer'],
  viewer: [],
  resource_server: [],
};

/** True when the operator holds `role`, directly or through a role that implies it. */
export function hasRole(operator: Operator, role: OperatorRole): boolean {
  for (const held of operator.roles) {
    if (held === role || IMPLIED[held].includes(role)) return true;
  }
  return false;
}
