import { TokenMalformed } from './errors.js';

/**
 * One entry of a token's `authorization_details` (RFC 9396): what the agent's task may do, where,
 * and why. The broker issues type `agent_task`; fields of other types, or fields it adds later,
 * are kept as signed.
 */
export interface AuthorizationDetail {
  /** The entry's type; `agent_task` for an agent's intent. */
  readonly type: string;
  /** Resource URIs the entry applies to (the token's `aud`). */
  readonly locations?: readonly string[];
  /** Granted scopes. */
  readonly actions?: readonly string[];
  /** The task's purpose, as the agent declared it. */
  readonly purpose?: string;
  /** Targets the task named (ticket ids, file paths, ...). */
  readonly targets?: readonly string[];
  /** Risk tier of the grant (`read`, `write`, `destructive`). */
  readonly tier?: string;
  /** The task the grant belongs to. */
  readonly task_id?: string;
  readonly [field: string]: unknown;
}

const STRING_FIELDS = ['purpose', 'tier', 'task_id'] as const;
const LIST_FIELDS = ['locations', 'actions', 'targets'] as const;

/**
 * Reads the optional `authorization_details` claim: absent gives `undefined`; present, it must be
 * a list of objects each with a string `type`, and the fields above in their types, or the token
 * is malformed (an entry the API cannot read is never silently dropped).
 */
export function readAuthorizationDetails(
  claim: unknown,
): readonly AuthorizationDetail[] | undefined {
  if (claim === undefined) return undefined;
  if (!Array.isArray(claim))
    throw new TokenMalformed('the "authorization_details" claim is not a list');
  return claim.map((entry: unknown, i) => {
    const where = `authorization_details[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new TokenMalformed(`the "${where}" entry is not an object`);
    const fields = entry as Record<string, unknown>;
    if (typeof fields.type !== 'string' || fields.type === '')
      throw new TokenMalformed(`the "${where}" entry has no "type"`);
    for (const name of STRING_FIELDS)
      if (fields[name] !== undefined && typeof fields[name] !== 'string')
        throw new TokenMalformed(`"${where}.${name}" is not a string`);
    for (const name of LIST_FIELDS) {
      const value = fields[name];
      if (
        value !== undefined &&
        !(Array.isArray(value) && value.every((v) => typeof v === 'string'))
      )
        throw new TokenMalformed(`"${where}.${name}" is not a list of strings`);
    }
    return fields as AuthorizationDetail;
  });
}
