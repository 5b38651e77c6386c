import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import type { Config } from '../config/load-config.js';

/** The broker's own AWS credentials: the SDK's default provider chain unless given (tests). */
export type AwsCredentialsSource = STSClientConfig['credentials'];

/** The STS client of each region, built once, and the one IAM client (IAM is global). */
export interface AwsClients {
  readonly stsFor: (region: string) => STSClient;
  readonly iam: IAMClient;
  close(): void;
}

/**
 * Builds the AWS clients from `aws:`: the endpoint for both when set (an STS-compatible
 * service, tests), one attempt per call (an exchange answers 503 with Retry-After rather than
 * wait on retries; the revoker retries on its own schedule).
 *
 * @example
 * const clients = awsClients(config.aws);
 */
export function awsClients(aws: Config['aws'], credentials?: AwsCredentialsSource): AwsClients {
  const common = {
    maxAttempts: 1,
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
  const sts = new Map<string, STSClient>();
  // IAM is global: the SDK's endpoint rules pick its endpoint and signing region.
  const iam = new IAMClient({ ...common, region: aws.region });
  return {
    stsFor: (region) => {
      let client = sts.get(region);
      if (!client) {
        client = new STSClient({ ...common, region });
        sts.set(region, client);
      }
      return client;
    },
    iam,
    close: () => {
      for (const client of sts.values()) client.destroy();
      iam.destroy();
    },
  };
}
