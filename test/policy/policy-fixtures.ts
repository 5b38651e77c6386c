import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../../src/identity/principal.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import type { Intent } from '../../src/intent/intent.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { LivePolicy } from '../../src/policy/live-policy.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES, quietLogger } from '../support/test-broker.js';

/** The test catalogue (tickets, payroll) as the broker builds it. */
export const catalogue = Catalogue.fromConfig(
  Object.fromEntries(
    Object.entries(TEST_RESOURCES).map(([k, v]) => [k, { ...v, kind: 'api' }]),
  ) as never,
);

/** The shipped schema, so tests write policies against what operators get. */
export const exampleSchema = readFileSync(join(EXAMPLE_POLICY_DIR, 'schema.cedarschema'), 'utf8');

/** A temp policy folder holding the example schema and `files`. */
export function policyDir(files: Record<string, string>, schema = exampleSchema): string {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-policy-'));
  writeFileSync(join(dir, 'schema.cedarschema'), schema);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A SPIFFE agent `spiffe://<trustDomain>/<path...>`. */
export function agent(
  path: string[],
  trustDomain = 'prod.example',
  claims: Record<string, unknown> = {},
): Principal {
  return {
    agentId: `spiffe://${trustDomain}/${path.join('/')}`,
    source: 'spiffe',
    trustDomain,
    path,
    claims,
    expiresAt: 0,
    tokenSha256: '',
  };
}

/** An intent for scopes of a test resource, at the resource's sensitivity. */
export function intent(resource: 'tickets' | 'payroll', scopes: string[]): Intent {
  const r = catalogue.find(resource)!;
  const classes = scopes.map((s) => r.scopes[s]!);
  const tier = classes.includes('destructive')
    ? 'destructive'
    : classes.includes('write')
      ? 'write'
      : 'read';
  return {
    resource: r,
    scopes,
    tier,
    ttlSeconds: 60,
    purpose: 'p',
    targets: [],
    sensitivity: r.sensitivity,
  };
}

/** A fresh task. */
export const task = { id: 'T-1', purpose: 'p', ageSeconds: 0, exchanges: 0, liveGrants: 0 };

/** Wednesday 2026-11-25, 12:00 UTC. */
export const noon = Date.UTC(2026, 10, 25, 12);

/** A live policy on `dir` with the test catalogue, quiet, with its own metrics (its decision cache's counts among them). */
export function startLivePolicy(dir: string, watch = false, decisionCacheSize = 0) {
  const metrics = createMetrics();
  const live = LivePolicy.start({
    dir,
    catalogue,
    claims: [],
    logger: quietLogger,
    metrics,
    watch,
    debounceMs: 20,
    decisionCacheSize,
    decisionCacheObserver: metrics.caches.policy_decision,
  });
  return { live, metrics };
}
