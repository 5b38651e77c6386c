import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

interface ComposeService {
  build?: string;
  image?: string;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
}

describe('deployment files users run', () => {
  it('docker-compose.yml runs the broker against its Redis with a valid config', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, ComposeService>;
    };
    const { mandate, redis } = compose.services;
    expect(redis?.image).toMatch(/^redis:/);
    expect(mandate?.build).toBe('.');
    expect(mandate?.depends_on?.redis?.condition).toBe('service_healthy');
    expect(mandate?.environment?.REDIS_URL).toBe('redis://redis:6379');
    const mount = mandate?.volumes?.[0]?.split(':') ?? [];
    expect(mount[1]).toBe('/etc/mandate');
    const config = parseConfig(
      parse(read('deploy/compose/mandate.yaml')),
      '/etc/mandate/mandate.yaml',
      {
        REDIS_URL: mandate?.environment?.REDIS_URL,
      },
    );
    expect(config.store.redis_url).toBe('redis://redis:6379');
    expect(config.server.host).toBe('0.0.0.0');
  });

  it('the Dockerfile starts the CLI with the config path compose mounts', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/mandate\.js"\]$/m);
    expect(dockerfile).toContain('"/etc/mandate/mandate.yaml"');
  });

  it('the Kubernetes manifests hold a valid config and probe routes the broker serves', () => {
    const docs = parseAllDocuments(read('deploy/kubernetes/mandate.yaml')).map(
      (d) => d.toJS() as { kind: string },
    );
    const kinds = docs.map((d) => d.kind);
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'Service']);
    const configMap = docs[0] as unknown as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    const config = parseConfig(
      parse(configMap.data['mandate.yaml']!),
      '/etc/mandate/config/mandate.yaml',
    );
    expect(config.store.redis_url).toBe('redis://mandate-redis:6379');
    const deployment = docs[1] as unknown as {
      spec: {
        template: {
          spec: {
            containers: {
              args: string[];
              readinessProbe: { httpGet: { path: string } };
              livenessProbe: { httpGet: { path: string } };
            }[];
            volumes: { name: string; configMap?: { name: string } }[];
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    expect(pod.volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(
      configMap.metadata.name,
    );
    expect(pod.containers[0]?.args).toEqual([
      'serve',
      '--config',
      '/etc/mandate/config/mandate.yaml',
    ]);
    const spec = read('openapi.yaml');
    expect(spec).toContain(`\n  ${pod.containers[0]!.readinessProbe.httpGet.path}:`);
    expect(spec).toContain(`\n  ${pod.containers[0]!.livenessProbe.httpGet.path}:`);
  });
});
