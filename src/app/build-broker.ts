import type { Redis } from 'ioredis';
import type { EvaluationContext } from '../policy/evaluation-case.js';
import { AgentActions } from '../agent-actions/agent-actions.js';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import { createApprovalGate } from '../approvals/create-approval-gate.js';
import { boundedAudit, type AuditLog } from '../audit/audit-log.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { LineWriter } from '../audit/stdout-sink.js';
import { buildAudit, type BuiltAudit } from './build-audit.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import { ensureDevTrustDomain } from '../dev/dev-trust-domain.js';
import type { DenyPolicyRevoker } from '../aws/deny-policy-revoker.js';
import { TokenExchange } from '../exchange/token-exchange.js';
import type { AwsCredentialsSource } from './aws-clients.js';
import { buildAws } from './build-aws.js';
import { TransactionTokenExchange } from '../exchange/transaction-token-exchange.js';
import { createGrantStore, revocationRetentionMs } from '../grants/create-grant-store.js';
import type { GrantStore } from '../grants/grant-store.js';
import { loopOptions } from './loop-options.js';
import { createLoopTripReporter } from '../exchange/report-loop-trip.js';
import { createAdminApp, createHttpApp, type HttpApp } from '../http/create-http-app.js';
import { createIdentity } from '../identity/create-identity.js';
import { Catalogue } from '../intent/catalogue.js';
import { TokenIntrospection } from '../introspection/introspect-token.js';
import { countRevocations } from '../metrics/count-revocations.js';
import { countStoreErrors } from '../metrics/count-store-errors.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { registerPendingApprovalsGauge } from '../metrics/pending-approvals-gauge.js';
import { OperatorAgentActions } from '../operator-actions/operator-agent-actions.js';
import { OperatorReads } from '../operator-actions/operator-reads.js';
import { OperatorTaskActions } from '../operator-actions/operator-task-actions.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { randomIds, type IdGenerator } from '../platform/ids.js';
import { ShutdownSignal } from '../platform/shutdown-signal.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { issuanceRules } from './issuance-rules.js';
import { ApiKeys } from '../operators/api-keys.js';
import { LivePolicy } from '../policy/live-policy.js';
import { SCOPE_CLASSES } from '../intent/tiers.js';
import { OwnTokenVerifier } from '../revocation/verify-own-token.js';
import { KeyRing } from '../tokens/key-ring.js';
import { KeyLayout } from '../grants/redis/key-layout.js';
import { guardEpoch } from '../store-epoch/epoch-guard.js';
import { RedisStoreEpoch } from '../store-epoch/redis-store-epoch.js';
import { NO_EPOCH } from '../store-epoch/store-epoch.js';

/** Outside things a broker can be given instead of the real ones (tests, embedding). */
export interface BrokerDeps {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly logger?: Logger;
  readonly store?: GrantStore;
  /** Receives every audited event instead of the trail `audit.sinks` configures. */
  readonly audit?: AuditLog;
  /** The broker's own AWS credentials; the AWS SDK's default provider chain by default. */
  readonly awsCredentials?: AwsCredentialsSource;
  /** Where the `stdout` audit sink writes; process.stdout by default. */
  readonly auditStdout?: LineWriter;
  /** The workers this broker serves beside, under `mandate serve --workers N`. */
  readonly workerGroup?: WorkerGroup;
}

/**
 * What a worker of `mandate serve --workers N` knows of the others (src/cli/cluster-worker.ts):
 * the instance is ready only once every worker is warm, and `/metrics` counts them all.
 */
export interface WorkerGroup {
  /** Why the instance is not ready yet (e.g. `1 of 2 workers ready`), or undefined once it is. */
  notReady(): string | undefined;
  /** Every worker's metrics, aggregated, in the Prometheus text format. */
  scrapeMetrics(): Promise<string>;
}

/** A built broker: the HTTP app and the parts operators and tests reach into. */
export interface Broker {
  readonly app: HttpApp;
  /** The operator API's own app when `admin.listen` is set (then it is not on `app`). */
  readonly adminApp?: HttpApp;
  /** The Redis client of the store, shared by other Redis users; absent with memory. */
  readonly redis?: Redis;
  readonly config: Config;
  readonly keyRing: KeyRing;
  readonly store: GrantStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The serving policy set; `reload()` on SIGHUP. */
  readonly policy: LivePolicy;
  /** The serving policy, catalogue, issuance rules and time a dry run decides with. */
  readonly evaluationContext: () => EvaluationContext;
  readonly approvals: ApprovalGate;
  /** The audit trail of `audit.sinks`; absent when `deps.audit` stands in for it. */
  readonly auditTrail?: AuditTrail;
  /**
   * The shutdown began (SIGTERM): `/readyz` answers 503 from now on and SSE streams end. The
   * listeners drain themselves (app/start-server.ts).
   */
  beginShutdown(): void;
  /** The Redis store's epoch, checked every `store.epoch_check_interval`; absent with memory. */
  readonly storeEpoch?: RedisStoreEpoch;
  /** Revocation that reaches AWS (`aws.revocation: deny_policy`); absent otherwise. */
  readonly awsRevoker?: DenyPolicyRevoker;
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
  const metrics = createMetrics();

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
  const identity = await createIdentity({
    brokerIssuer: config.issuer,
    trust: { ...config.trust, spiffe },
    configDir: config.configDir,
    clockTolerance: config.limits.clock_tolerance,
    clock,
    logger,
    metrics,
    verifiedTokenCacheObserver: metrics.caches.subject_token,
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
  const grants = deps.store
    ? { store: deps.store, close: () => deps.store!.close() }
    : await createGrantStore(
        {
          redisUrl: config.store.redis_url,
          prefix: config.store.prefix,
          commandTimeoutMs: config.store.command_timeout_ms,
          connectTimeoutMs: config.store.connect_timeout_ms,
          revocationRetentionMs: revocationRetentionMs({
            maxTokenTtlSeconds: config.limits.max_token_ttl,
            clockToleranceSeconds: config.limits.clock_tolerance,
          }),
        },
        { clock, logger },
      );
  const redis = 'redis' in grants ? grants.redis : undefined;
  const built: BuiltAudit | undefined = deps.audit
    ? undefined
    : await buildAudit(config, {
        clock,
        logger,
        metrics,
        keyRing,
        ...(redis ? { storeRedis: redis } : {}),
        ...(deps.auditStdout ? { stdout: deps.auditStdout } : {}),
      });
  const audit = countRevocations(boundedAudit(deps.audit ?? built!.trail), metrics);
  const storeEpoch = redis
    ? new RedisStoreEpoch({
        redis,
        key: `${config.store.prefix}:epoch`,
        stream: new KeyLayout(config.store.prefix).revocations,
        clock,
        ids: deps.ids ?? randomIds,
        logger,
        retentionMs: revocationRetentionMs({
          maxTokenTtlSeconds: config.limits.max_token_ttl,
          clockToleranceSeconds: config.limits.clock_tolerance,
        }),
        maxTokenLifeSeconds: config.limits.max_token_ttl,
        ttlMs: DEFAULTS.storeEpochTtlSeconds * 1000,
        onLost: () => metrics.storeEpochs.inc({}),
      })
    : undefined;
  if (storeEpoch) {
    // Redis down at start: the first check that reaches it writes the epoch.
    await storeEpoch.check().catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, 'store epoch not written at start; retrying');
    });
    storeEpoch.watch(config.store.epoch_check_interval * 1000);
  }
  const store = guardEpoch(
    countStoreErrors(grants.store, () => metrics.storeErrors.inc({ store: 'grants' })),
    storeEpoch ?? NO_EPOCH,
  );
  const policy = LivePolicy.start({
    dir: config.policy.dir,
    catalogue,
    claims: config.policy.claims,
    logger,
    metrics,
    watch: config.policy.watch,
    debounceMs: DEFAULTS.policyReloadDebounceMs,
    decisionCacheSize: config.policy.decision_cache_size,
    decisionCacheObserver: metrics.caches.policy_decision,
  });
  const approvals = createApprovalGate(
    {
      prefix: config.store.prefix,
      ttlSeconds: config.approvals.ttl,
      maxPendingPerAgent: config.approvals.max_pending_per_agent,
      requiredTiers: new Set(SCOPE_CLASSES.filter((t) => config.tiers[t].require_approval)),
    },
    { redis, clock, metrics, audit },
  );
  registerPendingApprovalsGauge(metrics.registry, {
    countPending: () => approvals.countPending(),
    clock,
  });
  const rules = issuanceRules(config);

  const aws = await buildAws(config, {
    catalogue,
    feed: store,
    redis,
    credentials: deps.awsCredentials,
    clock,
    audit,
    metrics,
    logger,
  });
  const revoker = aws?.revoker;

  const verifier = new OwnTokenVerifier({ issuer: config.issuer, keyRing, clock });
  const exchange = new TokenExchange({
    issuer: config.issuer,
    verifySubject: identity.verifySubject,
    catalogue,
    rules,
    policy,
    store,
    approvals,
    keyRing,
    clock,
    ids: deps.ids ?? randomIds,
    audit,
    auditRequired: config.audit.required,
    metrics,
    ...loopOptions(config.loops),
    maxLiveTasks: config.limits.max_live_tasks,
    ownTokens: verifier,
    maxDelegationDepth: config.delegation.max_depth,
    onLoopTrip: createLoopTripReporter({ audit, metrics }),
    ...(aws ? { aws: aws.issuer } : {}),
  });

  const shutdown = new ShutdownSignal();
  const adminListener = config.admin?.listen !== undefined;
  // What a dry run decides with, read at each call (policy reloads): /v1/policy/evaluate and the
  // workers' warm-up.
  const evaluationContext = () => ({
    policy: policy.current(),
    catalogue,
    rules,
    now: clock.now(),
  });
  const httpOptions = {
    issuer: config.issuer,
    operatorKeys: new ApiKeys(config.operators.api_keys),
    exchange,
    transactionTokens: new TransactionTokenExchange({
      issuer: config.issuer,
      verifier,
      store,
      keyRing,
      clock,
      ids: deps.ids ?? randomIds,
      audit,
      metrics,
      ttlSeconds: config.txn_tokens.ttl,
    }),
    keyRing,
    catalogue,
    metrics,
    logger,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    pendingTrustDomains: identity.pendingTrustDomains,
    pingStore: () => store.ping(),
    ...(revoker ? { readinessDetail: () => ({ aws_revocation: revoker.health() }) } : {}),
    auditHealth: () => built?.trail.health() ?? [],
    ...(deps.workerGroup
      ? {
          warming: () => deps.workerGroup!.notReady(),
          scrapeMetrics: () => deps.workerGroup!.scrapeMetrics(),
        }
      : {}),
    auditRequired: config.audit.required,
    ...(built?.reader ? { auditReader: built.reader } : {}),
    approvals,
    evaluationContext,
    agentActions: new AgentActions({
      verifier,
      verifySubject: identity.verifySubject,
      store,
      audit,
    }),
    introspection: new TokenIntrospection({ verifier, store }),
    operatorReads: new OperatorReads({ store }),
    operatorTasks: new OperatorTaskActions({ store, audit }),
    operatorAgents: new OperatorAgentActions({ store, audit, clock }),
    revocationFeed: store,
    clock,
    shutdown,
    withOperatorApi: !adminListener,
    // `/metrics` follows the operator API to its listener, unless turned off.
    metricsOn:
      config.admin?.metrics === false
        ? ('nowhere' as const)
        : adminListener
          ? ('admin' as const)
          : ('public' as const),
  };
  const close = async () => {
    storeEpoch?.close();
    policy.close();
    identity.close();
    aws?.close();
    await built?.close();
    await grants.close();
  };
  return {
    app: createHttpApp(httpOptions),
    ...(adminListener ? { adminApp: createAdminApp(httpOptions) } : {}),
    ...(redis ? { redis } : {}),
    ...(storeEpoch ? { storeEpoch } : {}),
    ...(revoker ? { awsRevoker: revoker } : {}),
    config,
    keyRing,
    store,
    metrics,
    logger,
    policy,
    evaluationContext,
    approvals,
    ...(built ? { auditTrail: built.trail } : {}),
    beginShutdown: () => shutdown.begin(),
    close,
  };
}
