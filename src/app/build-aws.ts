import type { Redis } from 'ioredis';
import { AwsCredentialIssuer } from '../aws/aws-credential-issuer.js';
import { MemoryAwsSessionLedger } from '../aws/aws-session-ledger.js';
import type { DenyPolicyRevoker } from '../aws/deny-policy-revoker.js';
import { RedisAwsSessionLedger } from '../aws/redis-aws-session-ledger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/load-config.js';
import type { Catalogue } from '../intent/catalogue.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { RevocationFeed } from '../revocation/revocation-feed.js';
import { awsClients, type AwsCredentialsSource } from './aws-clients.js';
import { awsRevoker } from './aws-revoker.js';

/** The AWS parts of a broker whose catalogue has `kind: aws` resources. */
export interface BrokerAws {
  readonly issuer: AwsCredentialIssuer;
  /** With `aws.revocation: deny_policy`, started. */
  readonly revoker?: DenyPolicyRevoker;
  close(): void;
}

/**
 * Builds the STS and IAM clients, the session ledger (beside the grant store), the issuer and
 * (with `deny_policy`) the started revoker; undefined when no resource is `kind: aws`, so a
 * broker without AWS builds no AWS client at all.
 *
 * @example
 * const aws = await buildAws(config, { catalogue, feed: store, redis, clock, audit, metrics, logger });
 */
export async function buildAws(
  config: Config,
  deps: {
    catalogue: Catalogue;
    feed: RevocationFeed;
    redis: Redis | undefined;
    credentials: AwsCredentialsSource | undefined;
    clock: Clock;
    audit: AuditLog;
    metrics: Metrics;
    logger: Logger;
  },
): Promise<BrokerAws | undefined> {
  const roles = [
    ...new Set(deps.catalogue.resources.flatMap((r) => (r.aws ? [r.aws.roleArn] : []))),
  ];
  if (roles.length === 0) return undefined;
  const clients = awsClients(config.aws, deps.credentials);
  const sessions = deps.redis
    ? new RedisAwsSessionLedger({ redis: deps.redis, prefix: config.store.prefix })
    : new MemoryAwsSessionLedger();
  const issuer = new AwsCredentialIssuer({
    stsFor: clients.stsFor,
    defaultRegion: config.aws.region,
    sessions,
  });
  const revoker = awsRevoker(config, { ...deps, roles, clients, sessions });
  await revoker?.start();
  return {
    issuer,
    ...(revoker ? { revoker } : {}),
    close: () => {
      revoker?.close();
      clients.close();
    },
  };
}
