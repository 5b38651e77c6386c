/**
 * Every default of the broker in one place, each with the reason for its value.
 */
export const DEFAULTS = {
  /** Loopback only: a broker reachable from the network is a decision the operator makes. */
  host: '127.0.0.1',
  port: 8080,
  /** ES256: compact, fast to sign and verify; RS256 halves throughput on the exchange path. */
  signingAlgorithm: 'ES256',
  /** Key prefix in Redis, so several deployments can share one server. */
  storePrefix: 'mandate',
  /**
   * A Redis command that takes longer than this fails (503, retry): a healthy Redis answers a
   * grant script in well under a millisecond, and an agent is better served by a quick retry
   * than by a request that hangs.
   */
  redisCommandTimeoutMs: 1000,
  /** Connecting to Redis gives up after this; the client keeps retrying in the background. */
  redisConnectTimeoutMs: 2000,
  /** An operator block without a duration lasts a day: long enough to investigate. */
  operatorBlockSeconds: 24 * 3600,
  /** No block outlives this: every Redis key carries a TTL, blocks included. */
  maxBlockSeconds: 30 * 24 * 3600,
  /** Most items one operator listing or feed page returns. */
  maxListItems: 1000,
  /** The audience a JWT-SVID or OIDC token must name to be exchanged here. */
  subjectAudience: 'mandate',
  /** Token lifetimes by risk tier: the riskier the operation, the shorter the token. */
  tierTtlSeconds: { read: 300, write: 120, destructive: 60 },
  /**
   * Restricted data is handled at least at the write tier (shorter tokens, and whatever the
   * write tier requires), even for reads: reading it is what a leak is made of.
   */
  sensitivityFloor: { restricted: 'write' },
  /** An approval left waiting longer than this is stale: the agent has moved on. */
  approvalTtlSeconds: 15 * 60,
  /** Decided and expired approvals stay readable this long, so an agent learns why it failed. */
  approvalRetentionSeconds: 3600,
  /** Burst of file events (editors write in several steps) folded into one policy reload. */
  policyReloadDebounceMs: 200,
  /** No token, whatever the tier says, outlives this. */
  maxTokenTtlSeconds: 3600,
  /** A task cannot live longer than a working day; its record expires with it. */
  maxTaskAgeSeconds: 8 * 3600,
  /** Clock skew tolerated on subject tokens; small, because tokens are short-lived. */
  clockToleranceSeconds: 30,
  /** Request bodies above this are refused before parsing (413). */
  maxBodyBytes: 16 * 1024,
  /** Subject tokens above this are refused before any crypto. */
  maxSubjectTokenBytes: 8 * 1024,
  /** The most clock skew an operator may allow: beyond a minute, expiry stops meaning much. */
  maxClockToleranceSeconds: 60,
  /**
   * A subject token whose `exp` is further away than this is refused: workload tokens live
   * minutes to hours (SPIRE 5 min, CI 5-10 min, Kubernetes projected 1 h), one valid for
   * longer is a standing credential.
   */
  maxSubjectLifetimeSeconds: 24 * 3600,
  /** Fetching key material (JWKS, discovery, bundle endpoint): time and size bounds. */
  keyFetchTimeoutMs: 5_000,
  keyFetchMaxBytes: 64 * 1024,
  /** Keys kept from one JWKS document; real issuers publish a handful. */
  jwksMaxKeys: 64,
  /** OIDC keys are refetched after this, like jose's default cache age. */
  jwksMaxAgeSeconds: 600,
  /** At most one JWKS fetch per issuer per this interval, so unknown kids cannot flood it. */
  jwksCooldownSeconds: 30,
  /** Backstop poll of bundle files, for file systems that send no change events. */
  bundleFilePollSeconds: 5,
  /** Bundle endpoint refresh when the bundle has no hint (SPIRE's own default is 5 min). */
  bundleRefreshSeconds: 300,
  /** Bounds on a bundle's refresh hint: never hammer the endpoint, never keep keys for hours. */
  bundleRefreshMinSeconds: 1,
  bundleRefreshMaxSeconds: 3600,
  /** Retry after a failed bundle fetch, while the last good bundle stays in force. */
  bundleRetrySeconds: 30,
  /** Scopes per exchange: a task that needs more should be split. */
  maxScopesPerRequest: 16,
  /** Targets per intent, and the length of each, keep tokens and policy context bounded. */
  maxTargets: 32,
  maxTargetLength: 256,
  maxPurposeLength: 512,
  /** Task ids chosen by agents: short, printable, no separators that could confuse key layout. */
  taskIdPattern: /^[A-Za-z0-9._~-]{1,128}$/,
  /** Where the dev trust domain keeps its key, relative to the config file. */
  devDir: '../.mandate-dev',
  devTrustDomain: 'dev.mandate.local',
} as const;
