/** What one scope of a `kind: aws` resource allows: IAM actions on ARN templates. */
export interface AwsScopeStatement {
  readonly actions: readonly string[];
  /** ARN templates; `${target}` expands to each intent target. */
  readonly resources: readonly string[];
}

/** The AWS side of a `kind: aws` resource: the role assumed and each scope's statement. */
export interface AwsAccess {
  readonly roleArn: string;
  /** STS region of this role; the broker's `aws.region` otherwise. */
  readonly region?: string | undefined;
  readonly externalId?: string | undefined;
  /** Session tags marked transitive, so they follow a chain of roles. */
  readonly transitiveTags: boolean;
  readonly scopes: Readonly<Record<string, AwsScopeStatement>>;
}

/** The `aws:` of a resource as the config file spells it. */
export interface AwsAccessConfig {
  readonly role_arn: string;
  readonly region?: string | undefined;
  readonly external_id?: string | undefined;
  readonly transitive_tags: boolean;
  readonly scopes: Readonly<Record<string, AwsScopeStatement>>;
}

/** The config's spelling turned into the catalogue's. */
export function awsAccess(config: AwsAccessConfig): AwsAccess {
  return {
    roleArn: config.role_arn,
    region: config.region,
    externalId: config.external_id,
    transitiveTags: config.transitive_tags,
    scopes: config.scopes,
  };
}
