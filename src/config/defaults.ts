/**
 * Every default of the broker in one place, each with the reason for its value.
 */
export const DEFAULTS = {
  /** Loopback only: a broker reachable from the network is a decision the operator makes. */
  host: '127.0.0.1',
  port: 8080,
  /**
   * Connections and shutdown of both listeners (`server:`). A client that has not sent its
   * request line and headers within 10 s is not a slow client but a held socket: closed, so
   * silent or byte-by-byte connections cannot hold descriptors (every request here is a few
   * KiB). 30 s for a whole request bounds a slow body without cutting a real one (16 KiB).
   * An idle keep-alive connection is kept 5 s, Node's own default, enough for a client's next
   * request. 1024 open connections per listener stay well under the usual 4096-descriptor
   * limit with room for Redis and key fetches; beyond it new connections are closed at once.
   * On SIGTERM in-flight requests get 10 s to be answered, within Kubernetes' 30 s grace.
   */
  server: {
    headersTimeoutSeconds: 10,
    requestTimeoutSeconds: 30,
    keepAliveTimeoutSeconds: 5,
    maxConnections: 1024,
    shutdownGraceSeconds: 10,
  },
  /**
   * How often the listeners look for connections past the headers or request timeout. Node's
   * default (30 s) would let a silent socket live three times the headers timeout; 1 s is a
   * short walk over at most `max_connections` entries.
   */
  connectionsCheckIntervalMs: 1000,
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
  /**
   * How often a broker checks Redis still holds its epoch key: a Redis that lost its data is
   * noticed (and every token issued before revoked on the feed) within this, at the cost of
   * one GET per interval per broker.
   */
  storeEpochCheckSeconds: 5,
  /**
   * The epoch key's TTL, renewed by every check: every key of the store has one. A day outlasts
   * any outage a broker rides out; a key that expires while no broker runs is written afresh
   * at the next start, as on a new Redis.
   */
  storeEpochTtlSeconds: 24 * 3600,
  /** An operator block without a duration lasts a day: long enough to investigate. */
  operatorBlockSeconds: 24 * 3600,
  /** No block outlives this: every Redis key carries a TTL, blocks included. */
  maxBlockSeconds: 30 * 24 * 3600,
  /**
   * Loop rules, per task unless said (docs/loops.md). A task token lives minutes, so an agent
   * that needs many tokens for one task in a minute, or the same one again and again, is
   * looping rather than working; the limits sit well above a working agent's pace.
   */
  loops: {
    enabled: true,
    /** The sliding window of the exchange-rate and repetition rules. */
    windowSeconds: 60,
    /** One task exchanging every two seconds for a minute is not planning, it is spinning. */
    maxExchanges: 30,
    /** The same audience, scopes, targets and purpose five times a minute: a retry loop. */
    maxIdentical: 5,
    /** A task needing more grants than this over its life has outgrown its declared purpose. */
    maxGrants: 500,
    /** Tokens a task holds at once; fan-out past this is not one task any more. */
    maxLiveGrants: 20,
    /** Half of limits.max_task_age: a task still asking after four hours gets a human look. */
    maxTaskAgeSeconds: 4 * 3600,
    /** An agent whose tasks trip more than three times in an hour is blocked for 15 minutes. */
    agentWindowSeconds: 3600,
    maxHaltedTasks: 3,
    blockForSeconds: 15 * 60,
  },
  /** Per-identity exchange rate: five a second sustained, counted across replicas. */
  rateLimit: { max: 300, windowSeconds: 60 },
  /** Most items one operator listing or feed page returns. */
  maxListItems: 1000,
  /** Items of an operator listing page when `limit` is not given; `cursor` goes on. */
  listPageItems: 100,
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
  /**
   * Approvals one agent may have pending at once. An agent waits on one approval per risky step
   * and a human decides each: twenty waiting is already more than an approver will read, while
   * an unbounded queue lets one agent bury every other agent's requests (and the store).
   */
  approvalMaxPendingPerAgent: 20,
  /**
   * A transaction token lives 5 minutes (`txn_tokens.ttl`), and never past the access token it
   * came from: it travels a call chain inside one trust domain, which takes seconds, and as a
   * bearer of the task's context it should die soon after (draft-ietf-oauth-transaction-tokens
   * asks for a short life). Revocation reaches it anyway through its bound grant.
   */
  txnTokenTtlSeconds: 5 * 60,
  /**
   * No `txn_tokens.ttl` above an hour: a transaction token that outlives a call chain by that
   * much is an access token in disguise.
   */
  maxTxnTokenTtlSeconds: 3600,
  /** Approvals on one page of `GET /v1/approvals` unless `limit` says otherwise. */
  approvalPageSize: 50,
  /** The largest `limit` of `GET /v1/approvals`: a page stays small to read and to serve. */
  approvalMaxPageSize: 200,
  /** Burst of file events (editors write in several steps) folded into one policy reload. */
  policyReloadDebounceMs: 200,
  /**
   * Scope decisions each policy set keeps (`policy.decision_cache_size`). An entry is one
   * agent, resource, scope and the context values the set reads, a few hundred bytes (mostly
   * the agent's attributes), so 10,000 hold a fleet of hundreds of agents with their scopes
   * and task budgets in a few MB; a miss only costs the Cedar call the cache saves.
   */
  policyDecisionCacheSize: 10_000,
  /** Past a million entries the cache is hundreds of MB: a bound that no longer bounds much. */
  maxPolicyDecisionCacheSize: 1_000_000,
  /** No token, whatever the tier says, outlives this. */
  maxTokenTtlSeconds: 3600,
  /** A task cannot live longer than a working day; its record expires with it. */
  maxTaskAgeSeconds: 8 * 3600,
  /**
   * Most active tasks one agent may hold at once. An agent that starts a task per tool call
   * and never completes one is held here: every task is a record in Redis until it ends.
   * A working agent holds a handful; a new task past the bound is 429 until one ends.
   */
  maxLiveTasks: 1000,
  /**
   * Actors one delegation chain may hold (A -> B -> C is 2): an orchestrator handing a
   * subtask to a worker that hands a piece on is 2; deeper chains are where accountability
   * gets lost, and each hop is a policy decision an operator must be able to follow.
   */
  maxDelegationDepth: 3,
  /** Clock skew tolerated on subject tokens; small, because tokens are short-lived. */
  clockToleranceSeconds: 30,
  /** Request bodies above this are refused before parsing (413). */
  maxBodyBytes: 16 * 1024,
  /** Subject tokens above this are refused before any crypto. */
  maxSubjectTokenBytes: 8 * 1024,
  /**
   * Verified subject tokens kept, by hash, until their `exp` (docs/security.md, "Verified
   * subject tokens"). A SPIRE agent hands one JWT-SVID to a workload for minutes, so one entry
   * per live workload token; 10,000 entries hold about 20 MB of claims at the most.
   */
  verifiedSubjectTokens: 10_000,
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
  /**
   * `authorization_details` entries per exchange: every entry serves the one task and names the
   * one resource of the token, so a few suffice (one per group of targets, say).
   */
  maxAuthorizationDetails: 8,
  /** Targets per intent, and the length of each, keep tokens and policy context bounded. */
  maxTargets: 32,
  maxTargetLength: 256,
  maxPurposeLength: 512,
  /** Task ids chosen by agents: short, printable, no separators that could confuse key layout. */
  taskIdPattern: /^[A-Za-z0-9._~-]{1,128}$/,
  /**
   * The audit trail (`audit:`, docs/operations.md "Audit log"). Audit goes to stdout by default,
   * marked lines apart from the operational log, so `npm start` needs nothing more.
   * A signed checkpoint every 1000 records or every minute (when records were written) bounds
   * what a verifier must trust storage for to one minute of events, at the cost of one ES256
   * signature a minute under light load.
   * A file is rotated at 100 MiB, five kept: half a GiB of evidence, about a million exchanges.
   * The Redis stream keeps about a million entries (MAXLEN ~), a few hundred MiB of Redis memory.
   * A sink that has not taken a record within 1 s (a stalled stdout pipe, a hung disk) counts as
   * failed, as a Redis command does: with `audit.required` the exchange answers 503 rather than
   * wait, and a shutdown never waits on it longer.
   */
  audit: {
    appendTimeoutMs: 1000,
    checkpointEvery: 1000,
    checkpointSeconds: 60,
    fileMaxBytes: 100 * 1024 * 1024,
    fileKeep: 5,
    redisMaxEntries: 1_000_000,
  },
  /** Where the dev trust domain keeps its key, relative to the config file. */
  devDir: '../.mandate-dev',
  devTrustDomain: 'dev.mandate.local',
  /**
   * AWS (docs/aws.md). us-east-1 when the file names no region: STS answers there for every
   * account. STS refuses a session shorter than 900 s (DurationSeconds' minimum), so a grant
   * for AWS lives at least that long. Its inline session policy is refused by STS over 2,048
   * characters, and a role's inline policies together over 10,240 characters (whitespace not
   * counted), so both are checked before the call. A failed deny-policy update is retried every
   * 5 s: revocation must reach AWS, and IAM's own throttling is per second.
   */
  aws: {
    region: 'us-east-1',
    denyPolicyName: 'mandate-revoked-sessions',
    minSessionSeconds: 900,
    sessionPolicyMaxChars: 2048,
    rolePolicyMaxChars: 10_240,
    revokerRetrySeconds: 5,
    /** A deny is kept this long past a session's expiry: AWS's clock may run ahead of ours. */
    expiryMarginSeconds: 60,
    /** Expired deny statements are dropped this often (each is one GetRolePolicy per role). */
    pruneEverySeconds: 60,
    /** The revoker's place in the feed is kept a day; lost, it starts again (harmlessly). */
    cursorTtlSeconds: 24 * 3600,
    /** What a temporary STS failure tells the agent to wait before retrying. */
    stsRetryAfterSeconds: 2,
  },
  /**
   * `mandate serve --workers N` (docs/operations.md, "Workers"). A worker that dies is replaced
   * after 1 s, so one that cannot start (Redis down) is retried without spinning a core. A
   * scrape of `/metrics` waits 3 s for every worker's numbers, well inside Prometheus's 10 s
   * scrape timeout; a worker that does not answer fails the scrape rather than send sums
   * that would look like a counter reset.
   */
  workers: {
    restartDelayMs: 1000,
    metricsTimeoutMs: 3000,
  },
} as const;
