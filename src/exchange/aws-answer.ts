import { AWS_CREDENTIALS_TOKEN_TYPE } from '../aws/aws-credential-issuer.js';
import type { AwsSessionPlan, IssuedAwsSession } from '../aws/aws-credential-issuer.js';
import { MandateError } from '../errors.js';
import type { GrantRecord } from '../grants/grant-records.js';
import type { Resource } from '../intent/catalogue.js';

/**
 * A successful exchange for a `kind: aws` resource: RFC 8693's shape with `token_type: N_A`
 * (the credentials are not an OAuth access token), `access_token` the credentials as the JSON
 * an AWS SDK reads from `credential_process`, and the session's names.
 */
export interface AwsExchangeResponse {
  readonly access_token: string;
  readonly issued_token_type: typeof AWS_CREDENTIALS_TOKEN_TYPE;
  readonly token_type: 'N_A';
  readonly expires_in: number;
  readonly scope: string;
  readonly task_id: string;
  readonly grant_id: string;
  readonly aws: {
    readonly role_arn: string;
    readonly session_name: string;
    readonly source_identity: string;
    /** ISO 8601, as `Expiration` in the credentials. */
    readonly expiration: string;
  };
  /** Present when AWS's 900 s minimum made the credentials live longer than the grant would have. */
  readonly lifetime_notice?: string;
}

/**
 * Refuses a `requested_token_type` that does not fit the resource: AWS credentials only for a
 * `kind: aws` resource, and such a resource issues nothing else (an access token for it would be
 * a token no AWS API reads). Absent on an AWS resource means AWS credentials.
 */
export function assertTokenTypeFits(requested: string | undefined, resource: Resource): void {
  const isAws = resource.kind === 'aws';
  if (!isAws && requested === AWS_CREDENTIALS_TOKEN_TYPE)
    throw new MandateError(
      'invalid_request',
      `requested_token_type ${AWS_CREDENTIALS_TOKEN_TYPE} is issued for kind: aws resources only; ${resource.name} is not one`,
    );
  if (isAws && requested !== undefined && requested !== AWS_CREDENTIALS_TOKEN_TYPE)
    throw new MandateError(
      'invalid_request',
      `${resource.name} is an AWS resource: it issues AWS credentials only (requested_token_type ${AWS_CREDENTIALS_TOKEN_TYPE})`,
    );
}

/** The answer of an exchange whose AWS session STS issued. */
export function awsAnswer(
  issued: IssuedAwsSession,
  grant: GrantRecord,
  plan: AwsSessionPlan,
  nowSeconds: number,
): AwsExchangeResponse {
  const expiresIn = Math.max(0, issued.expiresAt - nowSeconds);
  const granted = Math.min(plan.grantedTtlSeconds, grant.expiresAt - nowSeconds);
  return {
    access_token: JSON.stringify(issued.credentials),
    issued_token_type: AWS_CREDENTIALS_TOKEN_TYPE,
    token_type: 'N_A',
    expires_in: expiresIn,
    scope: grant.scopes.join(' '),
    task_id: grant.taskId,
    grant_id: grant.jti,
    aws: {
      role_arn: issued.roleArn,
      session_name: issued.sessionName,
      source_identity: issued.sourceIdentity,
      expiration: issued.credentials.Expiration,
    },
    ...(expiresIn > granted
      ? { lifetime_notice: notice(expiresIn, granted, grant, nowSeconds) }
      : {}),
  };
}

function notice(
  expiresIn: number,
  granted: number,
  grant: GrantRecord,
  nowSeconds: number,
): string {
  const base = `AWS sessions last at least 900 s: these credentials live ${expiresIn} s, longer than the ${granted} s this grant would have had.`;
  return grant.expiresAt - nowSeconds >= expiresIn
    ? `${base} The grant lives as long as they do; revoking it, its task or the agent ends them sooner where the broker revokes AWS sessions (aws.revocation: deny_policy).`
    : `${base} Its task ends first; complete or revoke the task to end them with it where the broker revokes AWS sessions (aws.revocation: deny_policy).`;
}
