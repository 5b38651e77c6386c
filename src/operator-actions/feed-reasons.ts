// The `reason` of the feed entries an operator's action writes. The feed goes to every resource
// server, so it names no operator key: who did it is in the audit trail only.

/** Reason of an operator's revocation of a grant, a task or everything of an agent. */
export const REVOKED_BY_OPERATOR = 'revoked by an operator';
/** Reason of an operator's block of an agent. */
export const BLOCKED_BY_OPERATOR = 'blocked by an operator';
