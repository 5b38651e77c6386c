import { z } from 'zod';
import { DEFAULTS } from './defaults.js';

// The `aws:` section and the AWS parts of a `kind: aws` resource (docs/aws.md). Malformed ARNs
// and actions stop the start, each with its path, before any STS call could send them.

/** An IAM role ARN in any partition (aws, aws-cn, aws-us-gov, ...). */
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** `service:Action`, where the action may hold `*` and `?` wildcards; never a bare `*`. */
const ACTION = /^[a-z0-9-]{1,64}:[A-Za-z0-9*?]{1,128}$/;
/**
 * A resource ARN template: `arn:partition:service:region:account:resource`, or `*`. Besides
 * `${target}` only IAM's own policy variables (`${aws:...}`) may appear.
 */
const RESOURCE_ARN = /^arn:aws(-[a-z]+)*:[a-z0-9-]{1,64}:[a-z0-9-]*:(\d{12}|aws)?:.+$/;
const PLACEHOLDER = /\$\{([^}]*)\}/g;

function placeholderProblem(template: string): string | undefined {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (name !== 'target' && !/^aws:[A-Za-z0-9/_-]+$/.test(name ?? ''))
      return `\${${name}} is not \${target} nor an IAM policy variable \${aws:...}`;
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('${')) return 'an unclosed ${ placeholder';
  return undefined;
}

const action = z
  .string()
  .regex(ACTION, 'an IAM action is service:Action (wildcards * and ? allowed), e.g. s3:GetObject');

const resourceArn = z
  .string()
  .max(2048)
  .refine(
    (arn) => arn === '*' || RESOURCE_ARN.test(arn),
    'a resource is an ARN (arn:partition:service:region:account:resource) or *',
  )
  .superRefine((arn, ctx) => {
    const problem = placeholderProblem(arn);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A scope of a `kind: aws` resource: its class, and what its session policy statement allows. */
export const awsScope = <C extends z.ZodType>(scopeClass: C) =>
  z.strictObject({
    class: scopeClass,
    actions: z.array(action).min(1, 'an AWS scope names at least one action'),
    resources: z.array(resourceArn).min(1, 'an AWS scope names at least one resource'),
  });

/** `aws:` of a `kind: aws` resource: the role the broker assumes for it. */
export const awsResource = z.strictObject({
  role_arn: z
    .string()
    .regex(ROLE_ARN, 'role_arn is an IAM role ARN, arn:aws:iam::<12 digits>:role/<name>'),
  /** STS region for this role; the global `aws.region` otherwise. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region is like eu-west-1')
    .optional(),
  /** Sent as ExternalId when the role's trust policy asks for one. */
  external_id: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'an external id is 2-1224 of [A-Za-z0-9_+=,.@:/-]')
    .optional(),
  /** Session tags marked transitive, so they follow a chain of roles (default true). */
  transitive_tags: z.boolean().default(true),
});

/** The global `aws:` section: where STS and IAM are and how sessions are revoked. */
export const awsSection = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region is like eu-west-1')
    .default(DEFAULTS.aws.region),
  /** One endpoint for STS and IAM (an STS-compatible service, tests); AWS's own otherwise. */
  endpoint: z.url().optional(),
  /**
   * `deny_policy`: revoking a grant, task or agent adds a deny for its sessions' tag to an
   * inline policy on the role; `none`: AWS sessions live until they expire.
   */
  revocation: z.enum(['none', 'deny_policy']).default('none'),
  /** The name of the inline policy the broker keeps on each role it revokes sessions of. */
  deny_policy_name: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, 'an inline policy name is 1-128 of [A-Za-z0-9_+=,.@-]')
    .default(DEFAULTS.aws.denyPolicyName),
});
