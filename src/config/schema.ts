import { z } from 'zod';
import { parseDuration } from './duration.js';
import { DEFAULTS } from './defaults.js';
import { OPERATOR_ROLES } from '../operators/operator.js';

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

/** The operation classes of scopes, from least to most dangerous. */
export const SCOPE_CLASSES = ['read', 'write', 'destructive'] as const;
export type ScopeClass = (typeof SCOPE_CLASSES)[number];

export const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

const spiffeTrust = z.strictObject({
  trust_domain: trustDomain,
  bundle_file: z.string().min(1),
  audiences: z.array(z.string().min(1)).min(1).default([DEFAULTS.subjectAudience]),
});

const oidcTrust = z.strictObject({
  issuer: z.url(),
  jwks_uri: z.url().optional(),
  audiences: z.array(z.string().min(1)).min(1).default([DEFAULTS.subjectAudience]),
  agent_id: z.string().min(1).default('{iss}#{sub}'),
});

const resource = z.strictObject({
  audience: z.string().min(1),
  kind: z.string().min(1).default('api'),
  sensitivity: z.enum(SENSITIVITIES).default('internal'),
  scopes: z
    .record(
      z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is a RFC 6749 scope-token'),
      z.enum(SCOPE_CLASSES),
    )
    .refine((scopes) => Object.keys(scopes).length > 0, 'a resource needs at least one scope'),
});

const tier = z.strictObject({ ttl: duration });

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

/** The whole configuration file, as validated at start. */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default(DEFAULTS.host),
      port: z.number().int().min(0).max(65535).default(DEFAULTS.port),
    })
    .default({ host: DEFAULTS.host, port: DEFAULTS.port }),
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
    })
    .default({
      prefix: DEFAULTS.storePrefix,
      command_timeout_ms: DEFAULTS.redisCommandTimeoutMs,
      connect_timeout_ms: DEFAULTS.redisConnectTimeoutMs,
    }),
  admin: z
    .strictObject({
      listen: z.strictObject({
        host: z.string().min(1).default(DEFAULTS.host),
        port: z.number().int().min(0).max(65535),
      }),
    })
    .optional(),
  trust: z
    .strictObject({
      spiffe: z.array(spiffeTrust).default([]),
      oidc: z.array(oidcTrust).default([]),
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
  tiers: z.strictObject({ read: tier, write: tier, destructive: tier }).default({
    read: { ttl: DEFAULTS.tierTtlSeconds.read },
    write: { ttl: DEFAULTS.tierTtlSeconds.write },
    destructive: { ttl: DEFAULTS.tierTtlSeconds.destructive },
  }),
  limits: z
    .strictObject({
      max_token_ttl: duration.default(DEFAULTS.maxTokenTtlSeconds),
      max_task_age: duration.default(DEFAULTS.maxTaskAgeSeconds),
      clock_tolerance: duration.default(DEFAULTS.clockToleranceSeconds),
    })
    .default({
      max_token_ttl: DEFAULTS.maxTokenTtlSeconds,
      max_task_age: DEFAULTS.maxTaskAgeSeconds,
      clock_tolerance: DEFAULTS.clockToleranceSeconds,
    }),
  loops,
  policy: z.strictObject({ dir: z.string().min(1) }),
  operators: z
    .strictObject({
      api_keys: z
        .array(
          z.strictObject({
            name: z.string().min(1).max(64),
            sha256: z
              .string()
              .regex(
                /^[0-9a-f]{64}$/,
                'sha256 is the hex sha256 of the key, 64 lower-case hex digits',
              ),
            roles: z.array(z.enum(OPERATOR_ROLES)).min(1),
          }),
        )
        .default([]),
    })
    .default({ api_keys: [] }),
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
