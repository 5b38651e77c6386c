import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

/** A subject-token claim that policy may see, as declared in `policy.claims`. */
export interface PolicyClaim {
  readonly name: string;
  readonly type: 'string' | 'long' | 'bool' | 'set';
}

const CEDAR_TYPE: Record<PolicyClaim['type'], string> = {
  string: 'String',
  long: 'Long',
  bool: 'Bool',
  set: 'Set<String>',
};

/**
 * The `Claims` record type the broker adds to the schema: every declared claim, optional,
 * because a token need not carry it (policies test `principal.claims has team`).
 */
export function claimsSchemaType(claims: readonly PolicyClaim[]): string {
  const attrs = claims.map((c) => `${JSON.stringify(c.name)}?: ${CEDAR_TYPE[c.type]}`);
  return `type Claims = { ${attrs.join(', ')} };`;
}

/**
 * Picks the declared claims out of a verified token. A claim whose value does not have the
 * declared type is left out rather than coerced, so a policy never sees a guessed value.
 */
export function selectClaims(
  claims: Readonly<Record<string, unknown>>,
  declared: readonly PolicyClaim[],
): Record<string, CedarValueJson> {
  const out: Record<string, CedarValueJson> = {};
  for (const { name, type } of declared) {
    if (!Object.hasOwn(claims, name)) continue;
    const value = claims[name];
    if (type === 'string' && typeof value === 'string') out[name] = value;
    else if (type === 'long' && Number.isSafeInteger(value)) out[name] = value as number;
    else if (type === 'bool' && typeof value === 'boolean') out[name] = value;
    else if (type === 'set') {
      const list = typeof value === 'string' ? value.split(' ') : value;
      if (Array.isArray(list) && list.every((v) => typeof v === 'string')) out[name] = list;
    }
  }
  return out;
}
