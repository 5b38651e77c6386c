import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { buildBroker, type Broker, type BrokerDeps } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { postExchange, type ExchangeAnswer } from './post-exchange.js';
import { createTestTrustDomain, type TestTrustDomain } from './trust-domain.js';

/** The repo's example policies, used unless a test brings its own. */
export const EXAMPLE_POLICY_DIR = resolve(import.meta.dirname, '../../config/policies');

/** A broker listening on an ephemeral port, with a trust domain to sign SVIDs from. */
export interface TestBroker {
  readonly url: string;
  readonly broker: Broker;
  /** The listeners, for tests of connections and shutdown. */
  readonly running: RunningServer;
  readonly td: TestTrustDomain;
  /** The temp folder holding the config, bundle and policies. */
  readonly dir: string;
  /** Every line the `stdout` audit sink wrote (the default sink), in order. */
  readonly auditLines: string[];
  /** POSTs an exchange as JSON; `fields` override a valid request for the default agent. */
  exchange(fields?: Record<string, unknown>): Promise<ExchangeAnswer>;
  close(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Merged over the default test config (top-level keys replace). */
  readonly config?: Record<string, unknown>;
  /** Trusted OIDC issuers (`trust.oidc`), beside the test trust domain. */
  readonly oidc?: readonly Record<string, unknown>[];
  /** Policy files to write instead of the example set: file name -> Cedar text. */
  readonly policies?: Record<string, string>;
  readonly deps?: BrokerDeps;
}

/** The default catalogue of test brokers: same shape as the dev config. */
export const TEST_RESOURCES = {
  tickets: {
    audience: 'https://tickets.example',
    sensitivity: 'internal',
    scopes: { 'tickets:read': 'read', 'tickets:write': 'write', 'tickets:delete': 'destructive' },
  },
  payroll: {
    audience: 'https://payroll.example',
    sensitivity: 'restricted',
    scopes: { 'payroll:read': 'read', 'payroll:write': 'write' },
  },
};

/** A silent logger, so test output stays readable. */
export const quietLogger = pino({ level: 'silent' });

/**
 * Starts a real broker on 127.0.0.1:0 with a fresh trust domain `test.example` and the example
 * policies, as a user would run it, from a config file in a temp folder.
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-broker-'));
  const td = await createTestTrustDomain('test.example', dir);
  const policyDir = join(dir, 'policies');
  cpSync(EXAMPLE_POLICY_DIR, policyDir, {
    recursive: true,
    filter: (src) => !src.endsWith('.cedar') || !options.policies,
  });
  for (const [file, text] of Object.entries(options.policies ?? {}))
    writeFileSync(join(policyDir, file), text);
  const raw = {
    server: { host: '127.0.0.1', port: 0 },
    issuer: 'http://mandate.test',
    trust: {
      spiffe: [
        { trust_domain: td.trustDomain, bundle_file: td.bundleFile, audiences: ['mandate'] },
      ],
      ...(options.oidc ? { oidc: options.oidc } : {}),
    },
    resources: TEST_RESOURCES,
    policy: { dir: 'policies' },
    ...options.config,
  };
  const file = join(dir, 'mandate.yaml');
  writeFileSync(file, stringify(raw));
  const config = parseConfig(raw, file);
  const auditLines: string[] = [];
  const broker = await buildBroker(config, {
    logger: quietLogger,
    auditStdout: collectLines(auditLines),
    ...options.deps,
  });
  const running = await startServer(broker, { host: '127.0.0.1', port: 0 });
  return {
    url: running.url,
    broker,
    running,
    td,
    dir,
    auditLines,
    exchange: async (fields = {}) =>
      postExchange(running.url, await td.svid({ path: '/agent/triage' }), fields),
    close: () => running.close(),
  };
}

/** A stdout stand-in that keeps each line written, for tests to read the audit sink. */
export function collectLines(lines: string[]): {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
} {
  return {
    write: (chunk, callback) => {
      lines.push(...chunk.split('\n').filter((l) => l !== ''));
      callback();
      return true;
    },
  };
}
