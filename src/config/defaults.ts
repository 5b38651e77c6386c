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
