import { z } from 'zod';
import { parseDuration } from './duration.js';
import { DEFAULTS } from './defaults.js';
import { awsResource, awsScope, awsSection } from './aws-schema.js';

/** A duration written as `30s`, `5m`, `1h` or a number of seconds; parsed to seconds. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${String(value)} (use 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return seconds;
});

const trustDomain = z
  .string()
  .regex(/^[a-z0-9._-]{1,255}$/, 'a trust domain is lower-case letters, digits, ".", "_" and "-"');

const unique = (values: string[]) => new Set(values).size === values.length;

// The words the file accepts for tiers, sensitivities and operator roles. Their meaning and
// order belong to the domain (src/intent/tiers.ts, src/operators/operator.ts); config imports
// no other folder of src, so it spells them here. The composition root, where config meets
// the domain, compiles only while a spelling here is one the domain knows, and
// test/config/vocabulary.test.ts holds the lists equal.

/** Scope classes (tiers) a resource's scopes may name. */
export const SCOPE_CLASSES = ['read', 'write', 'destructive'] as const;
/** Data sensitivities a resource or an intent may name. */
export const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'] as const;
/** Roles an operator API key may hold. */
export const OPERATOR_ROLES = [
  'viewer',
  'approver',
  'revoker',
  'admin',
  'resource_server',
] as const;

/** Key material is fetched over HTTPS only. */
const httpsUrl = z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL');
/** PEM file of CA certificates for a private CA (e.g. a Kubernetes API server). */
const caFile = z.string().min(1).optional();

const spiffeTrust = z
  .strictObject({
    trust_domain: trustDomain,
    bundle_file: z.string().min(1).optional(),
    bundle_endpoint: z.strictObject({ url: httpsUrl, ca_file: caFile }).optional(),
    audiences: z.array(z.string().min(1)).min(1).default([DEFAULTS.subjectAudience]),
  })
  .refine(
    (t) => (t.bundle_file === undefined) !== (t.bundle_endpoint === undefined),
    'give exactly one of bundle_file or bundle_endpoint',
  );

/** Asymmetric algorithms only: an HMAC key would be a secret shared with every verifier. */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** A claim condition: an exact value or an anchored glob (`*`, `?`); never a regex. */
const claimValue = z.union([
  z.string().max(256),
  z.strictObject({ glob: z.string().min(1).max(256) }),
]);

/**
 * An OIDC `agent_id` template starts with `{iss}` (an https URL) or a literal URI scheme that is
 * not `spiffe`, compared after NFKC normalisation and in lower case, so no claim value can make
 * an OIDC agent's id the SPIFFE id of another agent (identity checks the rendered id as well).
 */
function isOidcAgentIdTemplate(template: string): boolean {
  if (template.startsWith('{iss}')) return true;
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(template.normalize('NFKC').toLowerCase());
  return scheme !== null && scheme[1] !== 'spiffe';
}

/** An id template over verified claims (`agent_id`, `person_id`): never the spiffe: form. */
const idTemplate = (example: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .regex(/^([^{}]|\{[A-Za-z0-9_.:/-]{1,128}\})+$/, 'placeholders are {claim} or {a/b}')
    .refine(
      isOidcAgentIdTemplate,
      `must start with {iss} or a literal URI scheme other than spiffe ${example}`,
    );

const oidcTrust = z.strictObject({
  issuer: httpsUrl,
  jwks_uri: httpsUrl.optional(),
  ca_file: caFile,
  audiences: z.array(z.string().min(1)).min(1).default([DEFAULTS.subjectAudience]),
  algorithms: z.array(z.enum(OIDC_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
  claims: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.:-]{1,64}(\/[A-Za-z0-9_.:-]{1,64}){0,7}$/, 'a claim path'),
      z.union([claimValue, z.array(claimValue).min(1).max(32)]),
    )
    .default({}),
  agent_id: idTemplate(
    '(such as "oidc:" or "https://"): an OIDC agent can never take a SPIFFE id',
  ).default('{iss}#{sub}'),
  /**
   * The id of the person a token names, from its claims (as `agent_id`): set it on an issuer
   * of people's tokens, so an agent may act on a person's behalf (docs/delegation.md).
   */
  person_id: idTemplate('(such as "person:")').optional(),
});

const scopeName = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is a RFC 6749 scope-token');

const resource = z
  .strictObject({
    audience: z.string().min(1),
    kind: z.string().min(1).default('api'),
    sensitivity: z.enum(SENSITIVITIES).default('internal'),
    /** Grant the scopes policy allows and drop the rest, instead of refusing the request. */
    partial: z.boolean().optional(),
    /** `kind: aws` only: the role the broker assumes (docs/aws.md). */
    aws: awsResource.optional(),
    /** name -> class; on `kind: aws`, name -> { class, actions, resources }. */
    scopes: z
      .record(scopeName, z.union([z.enum(SCOPE_CLASSES), awsScope(z.enum(SCOPE_CLASSES))]))
      .refine((scopes) => Object.keys(scopes).length > 0, 'a resource needs at least one scope'),
  })
  .superRefine((r, ctx) => {
    const isAws = r.kind === 'aws';
    if (isAws && r.aws === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['aws'],
        message: 'a kind: aws resource needs aws.role_arn',
      });
    if (!isAws && r.aws !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['aws'],
        message: 'aws: is for kind: aws resources only',
      });
    for (const [name, scope] of Object.entries(r.scopes)) {
      if (isAws && typeof scope === 'string')
        ctx.addIssue({
          code: 'custom',
          path: ['scopes', name],
          message: 'a scope of a kind: aws resource is { class, actions, resources }',
        });
      if (!isAws && typeof scope !== 'string')
        ctx.addIssue({
          code: 'custom',
          path: ['scopes', name],
          message: 'actions and resources are for kind: aws resources; name the class only',
        });
    }
  })
  .transform(({ scopes, aws, ...rest }) => {
    const classes = Object.fromEntries(
      Object.entries(scopes).map(([name, s]) => [name, typeof s === 'string' ? s : s.class]),
    );
    if (aws === undefined) return { ...rest, scopes: classes };
    const statements = Object.fromEntries(
      Object.entries(scopes).flatMap(([name, s]) =>
        typeof s === 'string' ? [] : [[name, { actions: s.actions, resources: s.resources }]],
      ),
    );
    return { ...rest, scopes: classes, aws: { ...aws, scopes: statements } };
  });

const tier = z.strictObject({
  ttl: duration,
  /** Exchanges at this tier wait for an operator's approval. */
  require_approval: z.boolean().optional(),
});

/** A claim of the subject token shown to policy as `principal.claims.<name>`. */
const policyClaim = z.union([
  z.string().min(1).max(128),
  z.strictObject({
    name: z.string().min(1).max(128),
    type: z.enum(['string', 'long', 'bool', 'set']).default('string'),
  }),
]);

const count = z.number().int().min(1);
const L = DEFAULTS.loops;
const loopsDefault = {
  enabled: L.enabled,
  window: L.windowSeconds,
  max_exchanges: L.maxExchanges,
  max_identical: L.maxIdentical,
  max_grants: L.maxGrants,
  max_live_grants: L.maxLiveGrants,
  max_task_age: L.maxTaskAgeSeconds,
  agent_window: L.agentWindowSeconds,
  max_halted_tasks: L.maxHaltedTasks,
  block_for: L.blockForSeconds,
  rate_limit: { max: DEFAULTS.rateLimit.max, window: DEFAULTS.rateLimit.windowSeconds },
};

/** Loop rules and the per-identity rate limit (docs/loops.md). */
const loops = z
  .strictObject({
    enabled: z.boolean().default(loopsDefault.enabled),
    window: duration.default(loopsDefault.window),
    max_exchanges: count.default(loopsDefault.max_exchanges),
    max_identical: count.default(loopsDefault.max_identical),
    max_grants: count.default(loopsDefault.max_grants),
    max_live_grants: count.default(loopsDefault.max_live_grants),
    max_task_age: duration.default(loopsDefault.max_task_age),
    agent_window: duration.default(loopsDefault.agent_window),
    max_halted_tasks: count.default(loopsDefault.max_halted_tasks),
    block_for: duration.default(loopsDefault.block_for),
    rate_limit: z
      .strictObject({
        max: z.number().int().min(0).default(loopsDefault.rate_limit.max),
        window: duration.default(loopsDefault.rate_limit.window),
      })
      .default(loopsDefault.rate_limit),
  })
  .default(loopsDefault);

const S = DEFAULTS.server;
const serverDefault = {
  host: DEFAULTS.host,
  port: DEFAULTS.port,
  headers_timeout: S.headersTimeoutSeconds,
  request_timeout: S.requestTimeoutSeconds,
  keep_alive_timeout: S.keepAliveTimeoutSeconds,
  max_connections: S.maxConnections,
  shutdown_grace: S.shutdownGraceSeconds,
};

/** The whole configuration file, as validated at start. */
const A = DEFAULTS.audit;

/** One place the audit trail is written (`audit.sinks[]`). */
const auditSink = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('stdout') }),
  z.strictObject({
    type: z.literal('file'),
    /** JSON lines; relative to the config file. */
    path: z.string().min(1),
    /** Rotate before the file would pass this size. */
    max_bytes: z.number().int().min(1024).default(A.fileMaxBytes),
    /** Rotated files kept (`path.1` newest). */
    keep: z.number().int().min(1).max(1000).default(A.fileKeep),
  }),
  z.strictObject({
    type: z.literal('redis'),
    /** The stream `<store.prefix>:audit` on this Redis; default: store.redis_url. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'url is redis:// or rediss://')
      .optional(),
    /** The stream is trimmed to about this many entries. */
    max_entries: z.number().int().min(1000).default(A.redisMaxEntries),
  }),
]);

/** The audit trail: where it goes, its chain's name, checkpoints, whether it is required. */
const audit = z
  .strictObject({
    sinks: z
      .array(auditSink)
      .min(1, 'name at least one sink (stdout, file, redis)')
      .refine((l) => l.filter((s) => s.type === 'redis').length <= 1, 'at most one redis sink')
      .refine((l) => l.filter((s) => s.type === 'stdout').length <= 1, 'at most one stdout sink')
      .default([{ type: 'stdout' }]),
    /** This broker's chain name; set it (pod name) for the chain to continue across restarts. */
    instance: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'instance is letters, digits, ".", "_", ":" and "-"')
      .optional(),
    /** Refuse an exchange (503) whose audit record cannot be written. */
    required: z.boolean().default(false),
    checkpoint: z
      .strictObject({
        /** A signed checkpoint after this many records; 0: not by count. */
        every: z.number().int().min(0).default(A.checkpointEvery),
        /** And this often while records were written; 0: not by time. */
        interval: duration.default(A.checkpointSeconds),
      })
      .default({ every: A.checkpointEvery, interval: A.checkpointSeconds }),
  })
  .default({
    sinks: [{ type: 'stdout' }],
    required: false,
    checkpoint: { every: A.checkpointEvery, interval: A.checkpointSeconds },
  });

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default(DEFAULTS.host),
      port: z.number().int().min(0).max(65535).default(DEFAULTS.port),
      /** A connection whose request headers are not complete after this is closed. */
      headers_timeout: duration.default(S.headersTimeoutSeconds),
      /** A request (headers and body) not received whole after this is answered 408. */
      request_timeout: duration.default(S.requestTimeoutSeconds),
      /** An idle keep-alive connection is closed after this. */
      keep_alive_timeout: duration.default(S.keepAliveTimeoutSeconds),
      /** Open connections per listener; new ones beyond it are closed at once. */
      max_connections: count.default(S.maxConnections),
      /** On SIGTERM, how long in-flight requests have before their connections are cut. */
      shutdown_grace: duration.default(S.shutdownGraceSeconds),
    })
    .refine(
      (s) => s.headers_timeout <= s.request_timeout,
      'headers_timeout cannot be longer than request_timeout',
    )
    .default(serverDefault),
  issuer: z.url(),
  signing: z
    .strictObject({
      algorithm: z.enum(['ES256', 'ES384', 'EdDSA']).default(DEFAULTS.signingAlgorithm),
      keys: z
        .array(z.strictObject({ file: z.string().min(1), kid: z.string().min(1).optional() }))
        .default([]),
    })
    .default({ algorithm: DEFAULTS.signingAlgorithm, keys: [] }),
  store: z
    .strictObject({
      redis_url: z
        .string()
        .regex(/^rediss?:\/\//, 'redis_url is redis:// or rediss://')
        .optional(),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/)
        .default(DEFAULTS.storePrefix),
      command_timeout_ms: z
        .number()
        .int()
        .min(10)
        .max(60_000)
        .default(DEFAULTS.redisCommandTimeoutMs),
      connect_timeout_ms: z
        .number()
        .int()
        .min(10)
        .max(60_000)
        .default(DEFAULTS.redisConnectTimeoutMs),
      /** How often the broker checks Redis still holds its epoch (lost data fails closed). */
      epoch_check_interval: duration
        .refine((s) => s >= 1 && s <= 3600, 'epoch_check_interval is between 1s and 1h')
        .default(DEFAULTS.storeEpochCheckSeconds),
    })
    .default({
      prefix: DEFAULTS.storePrefix,
      command_timeout_ms: DEFAULTS.redisCommandTimeoutMs,
      connect_timeout_ms: DEFAULTS.redisConnectTimeoutMs,
      epoch_check_interval: DEFAULTS.storeEpochCheckSeconds,
    }),
  admin: z
    .strictObject({
      listen: z
        .strictObject({
          host: z.string().min(1).default(DEFAULTS.host),
          port: z.number().int().min(0).max(65535),
        })
        .optional(),
      /** `/metrics` on the operator listener when there is one, else the public one; false: off. */
      metrics: z.boolean().default(true),
    })
    .optional(),
  trust: z
    .strictObject({
      spiffe: z
        .array(spiffeTrust)
        .refine((l) => unique(l.map((t) => t.trust_domain)), 'a trust domain is listed twice')
        .default([]),
      oidc: z
        .array(oidcTrust)
        .refine((l) => unique(l.map((t) => t.issuer)), 'an issuer is listed twice')
        .default([]),
    })
    .default({ spiffe: [], oidc: [] }),
  resources: z
    .record(
      z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9_-]{0,63}$/,
          'a resource name is lower-case letters, digits, "_" and "-"',
        ),
      resource,
    )
    .refine((r) => Object.keys(r).length > 0, 'at least one resource is needed'),
  tiers: z
    .strictObject({
      read: tier,
      write: tier,
      destructive: tier,
      /** Sensitivity -> lowest tier for data that sensitive (default in DEFAULTS). */
      sensitivity_floor: z.partialRecord(z.enum(SENSITIVITIES), z.enum(SCOPE_CLASSES)).optional(),
    })
    .default({
      read: { ttl: DEFAULTS.tierTtlSeconds.read },
      write: { ttl: DEFAULTS.tierTtlSeconds.write },
      destructive: { ttl: DEFAULTS.tierTtlSeconds.destructive },
    }),
  limits: z
    .strictObject({
      max_token_ttl: duration.default(DEFAULTS.maxTokenTtlSeconds),
      max_task_age: duration.default(DEFAULTS.maxTaskAgeSeconds),
      max_live_tasks: z.number().int().min(1).default(DEFAULTS.maxLiveTasks),
      clock_tolerance: duration
        .refine(
          (s) => s <= DEFAULTS.maxClockToleranceSeconds,
          `clock_tolerance is at most ${DEFAULTS.maxClockToleranceSeconds}s`,
        )
        .default(DEFAULTS.clockToleranceSeconds),
    })
    .default({
      max_token_ttl: DEFAULTS.maxTokenTtlSeconds,
      max_task_age: DEFAULTS.maxTaskAgeSeconds,
      max_live_tasks: DEFAULTS.maxLiveTasks,
      clock_tolerance: DEFAULTS.clockToleranceSeconds,
    }),
  loops,
  delegation: z
    .strictObject({
      max_depth: z.number().int().min(1).max(16).default(DEFAULTS.maxDelegationDepth),
    })
    .default({ max_depth: DEFAULTS.maxDelegationDepth }),
  policy: z.strictObject({
    dir: z.string().min(1),
    /** Subject-token claims visible to policy; anything else stays out of the decision. */
    claims: z
      .array(policyClaim)
      .default([])
      .transform((list) =>
        list.map((c) => (typeof c === 'string' ? { name: c, type: 'string' as const } : c)),
      ),
    /** Reload the policy folder when a file in it changes (SIGHUP always reloads). */
    watch: z.boolean().default(true),
    /** Scope decisions kept per policy set, keyed on what the set reads; 0: none. */
    decision_cache_size: z
      .number()
      .int()
      .min(0)
      .max(DEFAULTS.maxPolicyDecisionCacheSize)
      .default(DEFAULTS.policyDecisionCacheSize),
  }),
  approvals: z
    .strictObject({
      ttl: duration.default(DEFAULTS.approvalTtlSeconds),
      /** Approvals one agent may have waiting at once; one more is refused (429). */
      max_pending_per_agent: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(DEFAULTS.approvalMaxPendingPerAgent),
    })
    .default({
      ttl: DEFAULTS.approvalTtlSeconds,
      max_pending_per_agent: DEFAULTS.approvalMaxPendingPerAgent,
    }),
  txn_tokens: z
    .strictObject({
      /** Longest life of a transaction token; never past its access token's expiry. */
      ttl: duration
        .refine(
          (s) => s >= 1 && s <= DEFAULTS.maxTxnTokenTtlSeconds,
          `txn_tokens.ttl is between 1s and ${DEFAULTS.maxTxnTokenTtlSeconds}s`,
        )
        .default(DEFAULTS.txnTokenTtlSeconds),
    })
    .default({ ttl: DEFAULTS.txnTokenTtlSeconds }),
  operators: z
    .strictObject({
      api_keys: z
        .array(
          z
            .strictObject({
              name: z.string().min(1).max(64),
              sha256: z
                .string()
                .regex(
                  /^[0-9a-f]{64}$/,
                  'sha256 is the hex sha256 of the key, 64 lower-case hex digits',
                ),
              roles: z.array(z.enum(OPERATOR_ROLES)).min(1),
              /** Token audiences a resource_server key introspects and reads the feed of. */
              audiences: z
                .array(z.string().min(1))
                .min(1)
                .refine(unique, 'an audience is listed twice')
                .optional(),
            })
            .refine(
              (k) =>
                k.audiences === undefined ||
                (k.roles.length === 1 && k.roles[0] === 'resource_server'),
              {
                message:
                  'audiences limit a key whose only role is resource_server (any other role reads every audience)',
                path: ['audiences'],
              },
            ),
        )
        .default([]),
    })
    .default({ api_keys: [] }),
  /** AWS STS and IAM, for `kind: aws` resources (docs/aws.md). */
  aws: awsSection.default({
    region: DEFAULTS.aws.region,
    revocation: 'none',
    deny_policy_name: DEFAULTS.aws.denyPolicyName,
  }),
  audit,
  dev: z
    .strictObject({
      trust_domain: trustDomain.default(DEFAULTS.devTrustDomain),
      dir: z.string().min(1).default(DEFAULTS.devDir),
    })
    .optional(),
});

/** The configuration as written in the file (before defaults). */
export type RawConfig = z.input<typeof configSchema>;
/** The configuration after validation and defaults; paths still as written. */
export type ParsedConfig = z.output<typeof configSchema>;
