import type { Express } from 'express';
import { Redis } from 'ioredis';
import { ApprovalGate } from '../approvals/approval-gate.js';
import { newApprovalId } from '../approvals/approval.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import { MemoryApprovalStore } from '../approvals/memory-approval-store.js';
import { RedisApprovalStore } from '../approvals/redis-approval-store.js';
import { createLoggerAudit, type AuditLog } from '../audit/audit-log.js';
import { DEFAULTS } from '../config/defaults.js';
import { SCOPE_CLASSES } from '../config/schema.js';
import type { Config } from '../config/load-config.js';
import { ensureDevTrustDomain } from '../dev/dev-trust-domain.js';
import { TokenExchange } from '../exchange/token-exchange.js';
import { createGrantStore } from '../grants/create-grant-store.js';
import type { GrantStore } from '../grants/grant-store.js';
import { createHttpApp } from '../http/create-http-app.js';
import { createIdentity } from '../identity/create-identity.js';
import { Catalogue } from '../intent/catalogue.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { randomIds, type IdGenerator } from '../platform/ids.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { ApiKeys } from '../operators/api-keys.js';
import { LivePolicy } from '../policy/live-policy.js';
import { KeyRing } from '../tokens/key-ring.js';

/** Outside things a broker can be given instead of the real ones (tests, embedding). */
export interface BrokerDeps {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly logger?: Logger;
  readonly store?: GrantStore;
  readonly audit?: AuditLog;
}

/** A built broker: the HTTP app and the parts operators and tests reach into. */
export interface Broker {
  readonly app: Express;
  readonly config: Config;
  readonly keyRing: KeyRing;
  readonly store: GrantStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The serving policy set; `reload()` on SIGHUP. */
  readonly policy: LivePolicy;
  readonly approvals: ApprovalGate;
  /** Releases the store, policy watchers and timers. */
  close(): Promise<void>;
}

/**
 * The composition root: builds every outside thing (store, keys, trust, policy, metrics) from
 * the validated config and wires the exchange and HTTP app. Nothing else constructs clients.
 *
 * @example
 * const broker = await buildBroker(loadConfig('config/mandate.yaml', process.env));
 */
export async function buildBroker(config: Config, deps: BrokerDeps = {}): Promise<Broker> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger();

  const spiffe = [...config.trust.spiffe];
  if (config.dev) {
    const dev = await ensureDevTrustDomain(config.dev.dir, config.dev.trust_domain);
    spiffe.push({
      trust_domain: dev.trustDomain,
      bundle_file: dev.bundleFile,
      audiences: [DEFAULTS.subjectAudience],
    });
    logger.warn(
      { trust_domain: dev.trustDomain, dir: config.dev.dir },
      'DEV MODE: trusting a local dev trust domain whose key is on this disk. Never run this config in production.',
    );
  }
  const metrics = createMetrics();
  const identity = await createIdentity({
    brokerIssuer: config.issuer,
    trust: { ...config.trust, spiffe },
    configDir: config.configDir,
    clockTolerance: config.limits.clock_tolerance,
    clock,
    logger,
    metrics,
  });

  const keyRing =
    config.signing.keys.length > 0
      ? await KeyRing.fromFiles(config.signing.keys, config.signing.algorithm)
      : await KeyRing.ephemeral(config.signing.algorithm);
  if (config.signing.keys.length === 0) {
    logger.warn(
      'signing with an ephemeral key: tokens stop verifying when the process restarts (dev only)',
    );
  }

  const catalogue = Catalogue.fromConfig(config.resources);
  const store = deps.store ?? createGrantStore(config, { clock });
  const policy = LivePolicy.start({
    dir: config.policy.dir,
    catalogue,
    claims: config.policy.claims,
    logger,
    metrics,
    watch: config.policy.watch,
    debounceMs: DEFAULTS.policyReloadDebounceMs,
  });

  const retentionMs = DEFAULTS.approvalRetentionSeconds * 1000;
  let approvalStore: ApprovalStore = new MemoryApprovalStore({ clock, retentionMs });
  // Replicas share approvals through Redis. This client is the approvals' own until the
  // grant store exposes its client for both to share.
  let approvalRedis: Redis | undefined;
  if (config.store.redis_url !== undefined) {
    approvalRedis = new Redis(config.store.redis_url);
    approvalStore = new RedisApprovalStore({
      client: approvalRedis,
      prefix: config.store.prefix,
      clock,
      retentionMs,
    });
  }
  const approvals = new ApprovalGate({
    store: approvalStore,
    clock,
    newId: newApprovalId,
    ttlSeconds: config.approvals.ttl,
    requiredTiers: new Set(SCOPE_CLASSES.filter((t) => config.tiers[t].require_approval === true)),
    metrics,
    logger,
  });
  const ttl = {
    tierTtlSeconds: {
      read: config.tiers.read.ttl,
      write: config.tiers.write.ttl,
      destructive: config.tiers.destructive.ttl,
    },
    maxTokenTtlSeconds: config.limits.max_token_ttl,
  };
  const sensitivityFloor = config.tiers.sensitivity_floor ?? DEFAULTS.sensitivityFloor;

  const exchange = new TokenExchange({
    issuer: config.issuer,
    verifySubject: identity.verifySubject,
    catalogue,
    ttl,
    sensitivityFloor,
    maxTaskAgeSeconds: config.limits.max_task_age,
    policy,
    store,
    approvals,
    keyRing,
    clock,
    ids: deps.ids ?? randomIds,
    audit: deps.audit ?? createLoggerAudit(logger),
    metrics,
  });

  const app = createHttpApp({
    issuer: config.issuer,
    operatorKeys: new ApiKeys(config.operators.api_keys),
    exchange,
    keyRing,
    store,
    metrics,
    logger,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    approvals,
    evaluationContext: () => ({
      policy: policy.engine,
      catalogue,
      ttl,
      sensitivityFloor,
      now: clock.now(),
    }),
  });
  const close = async () => {
    policy.close();
    identity.close();
    await approvalRedis?.quit();
    await store.close();
  };
  return { app, config, keyRing, store, metrics, logger, policy, approvals, close };
}
