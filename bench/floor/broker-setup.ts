/**
 * The broker as the floor benchmark runs it: the compiled CLI (`node bin/mandate.js serve`),
 * configured as config/mandate.example.yaml documents a production broker (its catalogue,
 * tiers, limits, loop rules, stdout audit trail), with what the bench owns put in: the trust
 * domain, a signing key file, the Redis store on a private prefix, the shipped policies.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import { parse, stringify } from 'yaml';
import { SVID_AUDIENCE } from './requests.js';

/** The repository root (bench/floor/..). */
export const REPO = join(import.meta.dirname, '..', '..');

/**
 * The per-agent rate limit the bench sets: 6,000 exchanges a minute (100/s) per agent. The
 * default (300/min) suits one agent; the bench spreads one load generator over a fleet of
 * agents, each far busier than a real one, and what it measures must be the exchange, not 429s.
 * Every other loop rule keeps its default: a task of 10 exchanges stays under all of them.
 */
export const BENCH_RATE_LIMIT = { max: 6000, window: '1m' } as const;

/** Newest modification time under `dir`, in ms. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * Builds dist/ (`npm run build`) when it is missing or older than a source file, so the bench
 * always measures the code of the checkout. Returns what it did, for the header.
 */
export function ensureBuilt(): string {
  const main = join(REPO, 'dist', 'cli', 'main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    // not built
  }
  const sources = Math.max(
    newest(join(REPO, 'src')),
    newest(join(REPO, 'packages', 'verifier', 'src')),
  );
  if (built >= sources) return 'dist/ is fresh';
  execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return 'dist/ rebuilt (it was older than src/)';
}

/** Whether this build's `mandate serve` takes `--workers` (it is landing in parallel). */
export function serveTakesWorkers(): boolean {
  const help = execFileSync(process.execPath, ['bin/mandate.js', 'serve', '--help'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  return /--workers\b/.test(help);
}

export interface BrokerSetup {
  readonly configFile: string;
  readonly trustDomain: string;
  readonly bundleFile: string;
  readonly port: number;
  readonly redisUrl: string;
  readonly prefix: string;
}

/** Writes the broker's signing key and config file into `dir`; returns the config's path. */
export async function writeBrokerConfig(dir: string, setup: Omit<BrokerSetup, 'configFile'>) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const keyFile = join(dir, 'signing.pem');
  writeFileSync(keyFile, await exportPKCS8(privateKey), { mode: 0o600 });
  const example = parse(
    readFileSync(join(REPO, 'config', 'mandate.example.yaml'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  const config = {
    ...example,
    server: { ...example.server, host: '127.0.0.1', port: setup.port },
    issuer: `http://127.0.0.1:${setup.port}`,
    signing: { algorithm: 'ES256', keys: [{ file: keyFile }] },
    store: { ...example.store, redis_url: setup.redisUrl, prefix: setup.prefix },
    trust: {
      spiffe: [
        {
          trust_domain: setup.trustDomain,
          bundle_file: setup.bundleFile,
          audiences: [SVID_AUDIENCE],
        },
      ],
    },
    loops: { ...example.loops, rate_limit: BENCH_RATE_LIMIT },
    policy: { ...example.policy, dir: join(REPO, 'config', 'policies') },
  };
  const configFile = join(dir, 'mandate.yaml');
  writeFileSync(configFile, stringify(config));
  return configFile;
}
