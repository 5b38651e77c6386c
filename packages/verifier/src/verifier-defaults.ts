/** Every default of the verifier, each with the reason for its value. */
export const VERIFIER_DEFAULTS = {
  /** The broker signs ES256 by default and may be configured for ES384 or EdDSA; never HS* or none. */
  algorithms: ['ES256', 'ES384', 'EdDSA', 'Ed25519'],
  /** Tokens live minutes, so a few seconds of skew is plenty and keeps revoked-by-expiry tight. */
  clockToleranceSeconds: 5,
  /** Broker tokens are a few hundred bytes; anything far larger is refused before parsing. */
  maxTokenBytes: 8 * 1024,
  /** The feed sends a heartbeat every 2 s: two missed heartbeats and a margin mean it is gone. */
  maxStalenessSeconds: 5,
  /** Introspection answers are reused this long: revocation still shows within a second. */
  introspectionCacheSeconds: 1,
  /** Bounds the introspection cache's memory under a flood of distinct tokens. */
  introspectionCacheEntries: 10_000,
  /** A broker slower than this counts as down, so requests fail fast rather than queue. */
  brokerTimeoutSeconds: 2,
  /**
   * An unknown `kid` refetches the JWKS at most this often: short, so a rotated-in key is
   * accepted within seconds; not zero, so junk tokens cannot hammer the broker.
   */
  jwksRefetchCooldownSeconds: 5,
  /** The JWKS is fetched again at least this often, picking up rotated keys. */
  jwksCacheMaxAgeMs: 10 * 60_000,
  /** Expired revocations are dropped this often; they stay harmless until then. */
  pruneEveryMs: 30_000,
  /**
   * Clients may keep a resource's RFC 9728 metadata this long: it changes only with a deploy,
   * and an hour keeps discovery off the hot path of every new client.
   */
  resourceMetadataMaxAgeSeconds: 3600,
  /** The MCP SDK's own bound on a JSON-RPC message: tool arguments may carry documents. */
  mcpMaxBodyBytes: 4 * 1024 * 1024,
} as const;
