import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { composeProblems } from './compose-schema.js';

// The Kubernetes manifests have their own file: kubernetes.test.ts.

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

interface ComposeService {
  build?: string;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  healthcheck?: Record<string, unknown>;
  [field: string]: unknown;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, ComposeService>;
  };

  it('validates against the compose-spec schema', () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it('the schema check refuses a misspelled key and a duration Compose cannot parse', () => {
    const broken = structuredClone(compose);
    broken.services.mandate!.read_onyl = true;
    broken.services.redis!.healthcheck!.interval = 'PT5S';
    const problems = composeProblems(broken);
    expect(problems).toContainEqual(expect.stringMatching(/^\/services\/mandate: .*read_onyl/));
    expect(problems).toContainEqual(
      expect.stringMatching(/^\/services\/redis\/healthcheck\/interval: .*duration/),
    );
  });

  it('runs the broker read-only against its Redis, with a valid config and the example policies', () => {
    const { mandate, redis } = compose.services;
    expect(redis).toBeDefined();
    expect(mandate?.build).toBe('.');
    expect(mandate?.depends_on?.redis?.condition).toBe('service_healthy');
    expect(mandate?.read_only).toBe(true);
    expect(mandate?.cap_drop).toEqual(['ALL']);
    const mounts = new Map(
      (mandate?.volumes ?? []).map((v) => {
        const [host, container, mode] = v.split(':');
        return [container, { host, mode }];
      }),
    );
    expect([...mounts.values()].every((m) => m.mode === 'ro')).toBe(true);
    // The image's default command reads /etc/mandate/mandate.yaml.
    expect(mounts.get('/etc/mandate/mandate.yaml')?.host).toBe('./deploy/compose/mandate.yaml');
    const config = parseConfig(
      parse(read('deploy/compose/mandate.yaml')),
      '/etc/mandate/mandate.yaml',
      { REDIS_URL: mandate?.environment?.REDIS_URL },
    );
    expect(new URL(config.store.redis_url!).hostname).toBe('redis');
    expect(config.server.host).toBe('0.0.0.0');
    // Dev mode writes its trust domain key: only to a tmpfs, the one writable place.
    expect(mandate?.tmpfs?.some((dir) => config.dev!.dir.startsWith(`${dir}/`))).toBe(true);
    const policies = mounts.get(config.policy.dir)?.host ?? '';
    expect(policies).toBe('./config/policies');
    const catalogue = Catalogue.fromConfig(config.resources);
    const set = loadPolicySet(resolve(ROOT, policies), catalogue, { claims: config.policy.claims });
    expect(Object.keys(set.policies).length).toBeGreaterThan(0);
  });

  it('the Dockerfile starts the CLI with the config path compose mounts', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/mandate\.js"\]$/m);
    expect(dockerfile).toContain('"/etc/mandate/mandate.yaml"');
  });
});
