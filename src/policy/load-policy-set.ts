import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  policySetTextToParts,
  validate,
  type DetailedError,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Catalogue } from '../intent/catalogue.js';
import { claimsSchemaType, type PolicyClaim } from './agent-claims.js';
import { SourceText } from './source-text.js';

/** Policies and schema read from a policy folder, validated together. */
export interface LoadedPolicySet {
  /** Policy id -> Cedar text of that one policy. */
  readonly policies: Readonly<Record<string, string>>;
  /** The operator's schema plus one action per catalogue scope and the `Claims` type. */
  readonly schema: string;
  /** Where each policy came from: policy id -> `file:line`. */
  readonly origins: Readonly<Record<string, string>>;
}

/** Raised when the policy folder cannot be used; each problem names file, line and policy. */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
  constructor(readonly problems: string[]) {
    super(`policy set rejected:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** What a policy set is loaded against. */
export interface LoadPolicyOptions {
  /** Subject-token claims declared in config, typed in the generated `Claims` record. */
  readonly claims?: readonly PolicyClaim[];
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

/** A policy found in a file, with the byte offset it starts at (Cedar reports byte offsets). */
interface FoundPolicy {
  readonly id: string;
  readonly text: string;
  readonly file: SourceText;
  readonly offset: number;
}

/**
 * Reads `*.cedar` and `schema.cedarschema` from `dir`, names each policy (its `@id`
 * annotation, else `<file>:<n>`), and validates all of it in strict mode against the schema.
 * Every problem names its file and line, and the policy id where there is one.
 */
export function loadPolicySet(
  dir: string,
  catalogue: Catalogue,
  options: LoadPolicyOptions = {},
): LoadedPolicySet {
  let schemaText: string;
  try {
    schemaText = readFileSync(join(dir, SCHEMA_FILE), 'utf8');
  } catch {
    throw new PolicyLoadError([`${join(dir, SCHEMA_FILE)}: cannot read the schema`]);
  }
  const schemaSource = new SourceText(SCHEMA_FILE, schemaText);
  const schema = `${schemaText}\n${scopeActions(catalogue)}\n${claimsSchemaType(options.claims ?? [])}\n`;
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.cedar'))
      .sort();
  } catch {
    throw new PolicyLoadError([`${dir}: cannot read the policy folder`]);
  }
  const { found, problems } = readPolicies(dir, files);
  if (problems.length > 0) throw new PolicyLoadError(problems);

  const policies = Object.fromEntries(found.map((p) => [p.id, p.text]));
  const byId = new Map(found.map((p) => [p.id, p]));
  const answer = validate({
    schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure')
    throw new PolicyLoadError(answer.errors.map((e) => schemaProblem(schemaSource, e)));
  if (answer.validationErrors.length > 0) {
    throw new PolicyLoadError(
      answer.validationErrors.map((v) => {
        const policy = byId.get(v.policyId);
        const where = policy
          ? policy.file.where(policy.offset + (v.error.sourceLocations?.[0]?.start ?? 0))
          : '?';
        return `${where}: policy "${v.policyId}": ${describe(v.error)}`;
      }),
    );
  }
  const origins = Object.fromEntries(found.map((p) => [p.id, p.file.where(p.offset)]));
  return { policies, schema, origins };
}

function readPolicies(
  dir: string,
  files: readonly string[],
): { found: FoundPolicy[]; problems: string[] } {
  const found: FoundPolicy[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const source = new SourceText(file, readFileSync(join(dir, file), 'utf8'));
    const parts = policySetTextToParts(source.text);
    if (parts.type === 'failure') {
      problems.push(
        ...parts.errors.map(
          (e) => `${source.where(e.sourceLocations?.[0]?.start ?? 0)}: ${describe(e)}`,
        ),
      );
      continue;
    }
    let cursor = 0;
    parts.policies.forEach((text, index) => {
      // Cedar hands back each policy as a slice of the file; find it to map offsets to lines.
      const at = source.text.indexOf(text, cursor);
      cursor = at >= 0 ? at + text.length : cursor;
      const offset = at >= 0 ? Buffer.byteLength(source.text.slice(0, at)) : 0;
      const id = ID_ANNOTATION.exec(text)?.[1] ?? `${basename(file, '.cedar')}:${index}`;
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        problems.push(`${source.where(offset)}: policy id "${id}" is already used in ${earlier}`);
        return;
      }
      seen.set(id, source.where(offset));
      found.push({ id, text, file: source, offset });
    });
  }
  return { found, problems };
}

/** Schema errors point into the operator's file, or into the part generated from config. */
function schemaProblem(schemaSource: SourceText, error: DetailedError): string {
  const start = error.sourceLocations?.[0]?.start;
  const where =
    start === undefined
      ? SCHEMA_FILE
      : start < schemaSource.byteLength
        ? schemaSource.where(start)
        : `${SCHEMA_FILE} (declarations generated from the catalogue and policy.claims)`;
  return `${where}: ${describe(error)}`;
}

function describe(error: DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}
