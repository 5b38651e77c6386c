import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';
import type { AwsAccess } from '../intent/aws-access.js';

/** One statement of an IAM policy document, as the broker writes them. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | string[]>>>>;
}

/** An IAM policy document (version 2012-10-17). */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** The inline session policy of one AssumeRole call, and its JSON exactly as sent. */
export interface SessionPolicy {
  readonly document: PolicyDocument;
  readonly json: string;
}

const TARGET = '${target}';
/**
 * What a target may hold to go into an ARN: no wildcard (`*`, `?`) that would widen the
 * statement, no `$`/`{}` that IAM reads as a policy variable, nothing outside ASCII.
 */
const ARN_SAFE = /^[A-Za-z0-9._~:@=+,/-]+$/;

/**
 * The inline session policy for the granted scopes of a `kind: aws` resource: one Allow
 * statement per scope, its actions on its ARN templates with `${target}` expanded to each
 * intent target. Refused before any STS call: `${target}` without targets, a target that
 * would widen an ARN, a policy over AWS's 2,048-character limit.
 *
 * @example
 * const { json } = buildSessionPolicy(resource.aws, ['reports:read'], ['2026-q1']);
 */
export function buildSessionPolicy(
  access: AwsAccess,
  scopes: readonly string[],
  targets: readonly string[],
): SessionPolicy {
  for (const target of targets)
    if (!ARN_SAFE.test(target))
      throw new MandateError(
        'invalid_request',
        `intent target "${target}" cannot go into an AWS ARN: only letters, digits and ._~:@=+,/- are allowed`,
      );
  const statements = scopes.map((scope): PolicyStatement => {
    const statement = access.scopes[scope];
    if (!statement) throw new Error(`scope ${scope} has no AWS statement`);
    return {
      Effect: 'Allow',
      Action: [...statement.actions],
      Resource: unique(statement.resources.flatMap((arn) => expand(arn, scope, targets))),
    };
  });
  const document: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  const json = JSON.stringify(document);
  const limit = DEFAULTS.aws.sessionPolicyMaxChars;
  if (json.length > limit)
    throw new MandateError(
      'invalid_request',
      `the AWS session policy for scope "${scopes.join(' ')}" and ${targets.length} target(s) is ${json.length} characters; AWS allows ${limit}: ask for fewer scopes or targets`,
    );
  return { document, json };
}

/** An ARN template for each target, or as written when it names none. */
function expand(template: string, scope: string, targets: readonly string[]): string[] {
  if (!template.includes(TARGET)) return [template];
  if (targets.length === 0)
    throw new MandateError(
      'invalid_request',
      `scope ${scope} is limited to the intent's targets (\${target} in its ARNs); name them in intent.targets`,
    );
  return targets.map((target) => template.split(TARGET).join(target));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
