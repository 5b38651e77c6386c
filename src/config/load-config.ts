import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig } from './schema.js';

/** The validated configuration, with every path in it made absolute. */
export type Config = ParsedConfig & {
  /** The folder of the config file, against which its relative paths were resolved. */
  readonly configDir: string;
};

/** Environment variables that override the file. */
export interface ConfigEnv {
  PORT?: string | undefined;
  REDIS_URL?: string | undefined;
  MANDATE_ISSUER?: string | undefined;
}

/** Raised when the configuration cannot be used; lists every problem with its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads, overrides from the environment, validates and resolves a config file.
 *
 * @example
 * const config = loadConfig('config/mandate.yaml', process.env);
 */
export function loadConfig(file: string, env: ConfigEnv = {}): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [
      `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid YAML: ${(err as Error).message}`]);
  }
  return parseConfig(raw, path, env);
}

/** Validates an already parsed config object as if it came from `file`. */
export function parseConfig(raw: unknown, file: string, env: ConfigEnv = {}): Config {
  const merged = applyEnv(raw, env);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  const configDir = dirname(file);
  const config = result.data;
  const unknownAudiences = keyAudienceProblems(config);
  if (unknownAudiences.length > 0) throw new ConfigError(file, unknownAudiences);
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(configDir, p));
  return {
    ...config,
    configDir,
    signing: {
      ...config.signing,
      keys: config.signing.keys.map((k) => ({ ...k, file: at(k.file) })),
    },
    trust: {
      ...config.trust,
      spiffe: config.trust.spiffe.map((t) =>
        t.bundle_file === undefined ? t : { ...t, bundle_file: at(t.bundle_file) },
      ),
    },
    policy: { ...config.policy, dir: at(config.policy.dir) },
    audit: {
      ...config.audit,
      sinks: config.audit.sinks.map((sink) =>
        sink.type === 'file' ? { ...sink, path: at(sink.path) } : sink,
      ),
    },
    ...(config.dev ? { dev: { ...config.dev, dir: at(config.dev.dir) } } : {}),
  };
}

function applyEnv(raw: unknown, env: ConfigEnv): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const section = (key: string): Record<string, unknown> => {
    const value = out[key];
    return value !== null && typeof value === 'object'
      ? { ...(value as Record<string, unknown>) }
      : {};
  };
  if (env.PORT !== undefined && env.PORT !== '') {
    out.server = {
      ...section('server'),
      port: /^\d+$/.test(env.PORT) ? Number(env.PORT) : env.PORT,
    };
  }
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') {
    out.store = { ...section('store'), redis_url: env.REDIS_URL };
  }
  if (env.MANDATE_ISSUER !== undefined && env.MANDATE_ISSUER !== '')
    out.issuer = env.MANDATE_ISSUER;
  return out;
}

/** An API key limited to an audience no resource has would see nothing: a typo, refused. */
function keyAudienceProblems(config: ParsedConfig): string[] {
  const known = new Set(Object.values(config.resources).map((r) => r.audience));
  return config.operators.api_keys.flatMap((key, k) =>
    (key.audiences ?? []).flatMap((audience, a) =>
      known.has(audience)
        ? []
        : [`operators.api_keys.${k}.audiences.${a}: no resource has the audience ${audience}`],
    ),
  );
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}
