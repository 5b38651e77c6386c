import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { PolicyDocument } from './session-policy.js';

/** IAM refused a policy as too large for the role (its inline policies together). */
export class RolePolicyTooLarge extends Error {
  override readonly name = 'RolePolicyTooLarge';
}

/** One inline policy of IAM roles: read, write, delete. */
export interface RolePolicies {
  get(roleArn: string, policyName: string): Promise<PolicyDocument | undefined>;
  /** Rejects with {@link RolePolicyTooLarge} when IAM says the role's policies are too large. */
  put(roleArn: string, policyName: string, document: PolicyDocument): Promise<void>;
  delete(roleArn: string, policyName: string): Promise<void>;
}

/** The role's name: the last segment of its ARN (a path is not part of it). */
export function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

const isNamed = (err: unknown, ...names: string[]) =>
  err instanceof Error && names.includes(err.name);

/**
 * {@link RolePolicies} through `@aws-sdk/client-iam` (GetRolePolicy, PutRolePolicy,
 * DeleteRolePolicy: the broker's own IAM permissions, docs/aws.md).
 *
 * @example
 * const policies = new IamRolePolicies(new IAMClient({}));
 */
export class IamRolePolicies implements RolePolicies {
  readonly #iam: IAMClient;

  constructor(iam: IAMClient) {
    this.#iam = iam;
  }

  async get(roleArn: string, policyName: string): Promise<PolicyDocument | undefined> {
    try {
      const out = await this.#iam.send(
        new GetRolePolicyCommand({ RoleName: roleName(roleArn), PolicyName: policyName }),
      );
      // IAM returns the document URL-encoded (RFC 3986).
      return JSON.parse(decodeURIComponent(out.PolicyDocument ?? '')) as PolicyDocument;
    } catch (err) {
      if (isNamed(err, 'NoSuchEntityException', 'NoSuchEntity')) return undefined;
      throw err;
    }
  }

  async put(roleArn: string, policyName: string, document: PolicyDocument): Promise<void> {
    try {
      await this.#iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName(roleArn),
          PolicyName: policyName,
          PolicyDocument: JSON.stringify(document),
        }),
      );
    } catch (err) {
      if (isNamed(err, 'LimitExceededException', 'LimitExceeded'))
        throw new RolePolicyTooLarge(`IAM refused the policy of ${roleArn} as too large`, {
          cause: err,
        });
      throw err;
    }
  }

  async delete(roleArn: string, policyName: string): Promise<void> {
    try {
      await this.#iam.send(
        new DeleteRolePolicyCommand({ RoleName: roleName(roleArn), PolicyName: policyName }),
      );
    } catch (err) {
      if (!isNamed(err, 'NoSuchEntityException', 'NoSuchEntity')) throw err;
    }
  }
}
