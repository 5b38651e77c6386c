import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Operator, OperatorRole } from './operator.js';

/** An API key as configured: its name, the sha256 of the key (never the key), its roles. */
export interface ApiKeyEntry {
  readonly name: string;
  readonly sha256: string;
  readonly roles: readonly OperatorRole[];
  /** Token audiences a `resource_server` key is limited to; absent: all. */
  readonly audiences?: readonly string[] | undefined;
}

/** Prefix of generated keys, so a leaked key is recognisable in secret scanners. */
const KEY_PREFIX = 'mdt_';

/**
 * Authenticates API keys against their configured sha256, in constant time per entry.
 *
 * @example
 * const keys = new ApiKeys(config.operators.api_keys);
 * const operator = keys.authenticate('mdt_...');
 */
export class ApiKeys {
  readonly #entries: { operator: Operator; digest: Buffer }[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.#entries = entries.map((e) => ({
      operator: {
        name: e.name,
        roles: new Set(e.roles),
        ...(e.audiences ? { audiences: new Set(e.audiences) } : {}),
      },
      digest: Buffer.from(e.sha256, 'hex'),
    }));
  }

  /** The operator owning `key`, or undefined. */
  authenticate(key: string): Operator | undefined {
    const digest = createHash('sha256').update(key).digest();
    let found: Operator | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(digest, entry.digest)) found = entry.operator;
    }
    return found;
  }
}

/** A new random API key and the sha256 to put in config. */
export function generateApiKey(): { key: string; sha256: string } {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, sha256: createHash('sha256').update(key).digest('hex') };
}
