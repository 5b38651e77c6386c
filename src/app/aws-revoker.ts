import type { Redis } from 'ioredis';
import type { AwsSessionLedger } from '../aws/aws-session-ledger.js';
import { DenyPolicyRevoker } from '../aws/deny-policy-revoker.js';
import { MemoryRevokerCursor, RedisRevokerCursor } from '../aws/revoker-cursor.js';
import { IamRolePolicies } from '../aws/role-policies.js';
import type { AuditLog } from '../audit/audit-log.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { RevocationFeed } from '../revocation/revocation-feed.js';
import type { AwsClients } from './aws-clients.js';

/**
 * The AWS deny-policy revoker of the config (`aws.revocation: deny_policy` and a `kind: aws`
 * resource), or undefined: it follows the grant store's feed, keeps its cursor beside it.
 *
 * @example
 * const revoker = awsRevoker(config, { clients, sessions, feed: store, clock, audit, metrics, logger });
 */
export function awsRevoker(
  config: Config,
  deps: {
    /** Every role of the catalogue. */
    roles: readonly string[];
    clients: AwsClients;
    sessions: AwsSessionLedger;
    feed: RevocationFeed;
    redis: Redis | undefined;
    clock: Clock;
    audit: AuditLog;
    metrics: Metrics;
    logger: Logger;
  },
): DenyPolicyRevoker | undefined {
  const roles = [
    ...new Set(
      Object.values(config.resources).flatMap((r) => ('aws' in r && r.aws ? [r.aws.role_arn] : [])),
    ),
  ];
  if (config.aws.revocation !== 'deny_policy' || roles.length === 0) return undefined;
  const A = DEFAULTS.aws;
  return new DenyPolicyRevoker({
    feed: deps.feed,
    sessions: deps.sessions,
    policies: new IamRolePolicies(deps.clients.iam),
    cursor: deps.redis
      ? new RedisRevokerCursor({
          redis: deps.redis,
          prefix: config.store.prefix,
          ttlSeconds: A.cursorTtlSeconds,
        })
      : new MemoryRevokerCursor(),
    policyName: config.aws.deny_policy_name,
    roles,
    maxSessionSeconds:
      Math.max(A.minSessionSeconds, config.limits.max_token_ttl) + A.expiryMarginSeconds,
    limitChars: A.rolePolicyMaxChars,
    retryMs: A.revokerRetrySeconds * 1000,
    pruneEveryMs: A.pruneEverySeconds * 1000,
    clock: deps.clock,
    audit: deps.audit,
    metrics: deps.metrics,
    logger: deps.logger,
  });
}
