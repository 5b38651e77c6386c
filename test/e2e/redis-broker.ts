import { exportPKCS8, generateKeyPair } from 'jose';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../../src/operators/api-keys.js';
import type { OperatorRole } from '../../src/operators/operator.js';
import {
  EXAMPLE_POLICY_DIR,
  TEST_RESOURCES,
  startTestBroker,
  type TestBroker,
  type TestBrokerOptions,
} from '../support/test-broker.js';
import type { TestTrustDomain } from '../support/trust-domain.js';
import { REDIS_URL } from '../grants/redis-support.js';
import { apiContract } from '../support/openapi-contract.js';

/** Operator API keys of every role, as a test holds them (the broker sees only sha256). */
export const OPERATOR_KEYS = Object.fromEntries(
  (['viewer', 'revoker', 'admin', 'resource_server', 'approver'] as const).map((role) => [
    role,
    generateApiKey(),
  ]),
) as Record<OperatorRole, { key: string; sha256: string }>;

/** The `operators:` config section granting each key its role. */
export const OPERATORS_CONFIG = {
  api_keys: Object.entries(OPERATOR_KEYS).map(([role, { sha256 }]) => ({
    name: `${role}-key`,
    sha256,
    roles: [role],
  })),
};

/**
 * The config of a broker built by hand (when a test must choose its port or issuer first): it
 * trusts `td`, serves the test catalogue and example policies, stores in the real Redis under
 * `prefix`, and takes the operator keys above.
 */
export function redisBrokerConfig(td: TestTrustDomain, prefix: string): Record<string, unknown> {
  return {
    trust: {
      spiffe: [
        { trust_domain: td.trustDomain, bundle_file: td.bundleFile, audiences: ['mandate'] },
      ],
    },
    resources: TEST_RESOURCES,
    policy: { dir: EXAMPLE_POLICY_DIR },
    store: { redis_url: REDIS_URL, prefix },
    operators: OPERATORS_CONFIG,
  };
}

/** A PKCS#8 signing key on disk, so several brokers sign and verify with the same key. */
export async function sharedSigningKey(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const file = join(mkdtempSync(join(tmpdir(), 'mandate-key-')), 'signing.pem');
  writeFileSync(file, await exportPKCS8(privateKey));
  return file;
}

/** A test broker on the real Redis under `prefix`, with the operator keys above. */
export function startRedisBroker(
  prefix: string,
  options: TestBrokerOptions & { redisUrl?: string } = {},
): Promise<TestBroker> {
  return startTestBroker({
    ...options,
    config: {
      store: { redis_url: options.redisUrl ?? REDIS_URL, prefix },
      operators: OPERATORS_CONFIG,
      ...options.config,
    },
  });
}

/** Calls the broker with an operator key (or any bearer token); the answer must be documented. */
export async function call(
  url: string,
  method: string,
  path: string,
  bearer?: string,
  body?: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(body ? { body: new URLSearchParams(body) } : {}),
  });
  const text = await res.text();
  apiContract().check({ method, url: path, status: res.status, headers: res.headers, body: text });
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
  };
}

/** Introspects `token` as a resource server. */
export async function introspect(url: string, token: string): Promise<Record<string, unknown>> {
  const res = await call(url, 'POST', '/introspect', OPERATOR_KEYS.resource_server.key, { token });
  if (res.status !== 200) throw new Error(`introspection answered ${res.status}`);
  return res.body;
}
