import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  policySetTextToParts,
  validate,
  type DetailedError,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Catalogue } from '../intent/catalogue.js';

/** Policies and schema read from a policy folder, validated together. */
export interface LoadedPolicySet {
  /** Policy id -> Cedar text of that one policy. */
  readonly policies: Readonly<Record<string, string>>;
  /** The operator's schema plus one action per catalogue scope. */
  readonly schema: string;
}

/** Raised when the policy folder cannot be used; each problem names file and policy. */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
  constructor(readonly problems: string[]) {
    super(`policy set rejected:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SCHEMA_FILE = 'schema.cedarschema';
const ID_ANNOTATION = /@id\(\s*"((?:[^"\\]|\\.)*)"\s*\)/;

/**
 * Declares one action per catalogue scope, a member of its operation class, so a policy can
 * say `action == Action::"tickets:write"` or `action in Action::"write"`.
 */
export function scopeActions(catalogue: Catalogue): string {
  const lines = catalogue.resources.flatMap((r) =>
    Object.entries(r.scopes).map(
      ([scope, cls]) =>
        `action ${JSON.stringify(scope)} in [Action::${JSON.stringify(cls)}] appliesTo { principal: [Agent], resource: [Resource], context: ExchangeContext };`,
    ),
  );
  return [...new Set(lines)].join('\n');
}

/**
 * Reads `*.cedar` and `schema.cedarschema` from `dir`, names each policy (its `@id`
 * annotation, else `<file>:<n>`), and validates all of it in strict mode against the schema.
 */
export function loadPolicySet(dir: string, catalogue: Catalogue): LoadedPolicySet {
  const problems: string[] = [];
  let schemaText: string;
  try {
    schemaText = readFileSync(join(dir, SCHEMA_FILE), 'utf8');
  } catch {
    throw new PolicyLoadError([`${join(dir, SCHEMA_FILE)}: cannot read the schema`]);
  }
  const schema = `${schemaText}\n${scopeActions(catalogue)}\n`;
  const policies: Record<string, string> = {};
  const origin = new Map<string, string>();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cedar'))
    .sort();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const parts = policySetTextToParts(text);
    if (parts.type === 'failure') {
      problems.push(...parts.errors.map((e) => `${file}: ${describe(e)}`));
      continue;
    }
    parts.policies.forEach((policy, index) => {
      const id = ID_ANNOTATION.exec(policy)?.[1] ?? `${basename(file, '.cedar')}:${index}`;
      if (Object.hasOwn(policies, id))
        problems.push(`${file}: policy id "${id}" is already used in ${origin.get(id)}`);
      policies[id] = policy;
      origin.set(id, file);
    });
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);
  const answer = validate({
    schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure')
    throw new PolicyLoadError(answer.errors.map((e) => `${SCHEMA_FILE}: ${describe(e)}`));
  if (answer.validationErrors.length > 0) {
    throw new PolicyLoadError(
      answer.validationErrors.map(
        (v) => `${origin.get(v.policyId) ?? '?'}: policy "${v.policyId}": ${describe(v.error)}`,
      ),
    );
  }
  return { policies, schema };
}

function describe(error: DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}
