import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { parse } from 'yaml';
import { parseConfig, type Config } from '../../src/config/load-config.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { ConfigMapVolume } from '../policy/config-map-volume.js';
import {
  configMapData,
  find,
  loadKustomization,
  podSpecs,
  schemaProblems,
  type Manifest,
} from './kubernetes-manifests.js';
import { podReferences, restrictedViolations } from './pod-security.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

const main = loadKustomization(resolve(ROOT, 'deploy/kubernetes'));
const starter = loadKustomization(resolve(ROOT, 'deploy/kubernetes/starter-redis'));
const everything = [...main.manifests, ...starter.manifests];

type Workload = {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: IPodSpec } };
};
const brokerTemplate = find<Workload>(main.manifests, 'Deployment', 'mandate').spec.template;
const brokerPod = brokerTemplate.spec;
const broker = brokerPod.containers[0]!;
const configFile = broker.args![broker.args!.indexOf('--config') + 1]!;
const redisUrl = find<{ stringData: Record<string, string> }>(
  starter.manifests,
  'Secret',
  'mandate-redis',
).stringData.REDIS_URL!;

/** The broker's config as the pod reads it: the file its args name, REDIS_URL from the Secret. */
function brokerConfig(): Config {
  const text = configMapData(main.manifests, 'mandate-config')['mandate.yaml']!;
  return parseConfig(parse(text), configFile, { REDIS_URL: redisUrl });
}

/** The URLs the broker connects to: SPIRE bundle endpoints and Redis. */
const outboundUrls = (config: Config) => [
  ...config.trust.spiffe.flatMap((t) => t.bundle_endpoint?.url ?? []),
  config.store.redis_url!,
];

interface Documented {
  kind: string;
  name: string;
  namespace: string;
  key: string;
}

/** What docs/kubernetes.md says the user provides: `| kind | name | namespace | key or port |`. */
function documentedUserProvided(): Documented[] {
  const rows = read('docs/kubernetes.md').matchAll(
    /^\| (Secret|ConfigMap|Service) +\| `([^`]+)` +\| `([^`]+)` +\| `([^`]+)` +\|/gm,
  );
  return [...rows].map(
    ([, kind, name, namespace, key]) => ({ kind, name, namespace, key }) as Documented,
  );
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('each kustomization lists every manifest file of its folder, all in one namespace', () => {
    for (const k of [main, starter]) {
      expect([...k.kustomization.resources].sort()).toEqual(k.yamlFiles);
      expect(k.kustomization.namespace).toBe('mandate');
    }
    const ns = find<Manifest>(main.manifests, 'Namespace', 'mandate');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('every object validates against the Kubernetes schema of its apiVersion and kind', () => {
    expect(everything.flatMap(schemaProblems)).toEqual([]);
  });

  it('the schema check refuses a wrongly typed field and a kind it has no model for', () => {
    const deployment = find<Manifest & Workload>(main.manifests, 'Deployment', 'mandate');
    const named = structuredClone(deployment);
    Object.assign(named.spec.template.spec.securityContext!, { runAsUser: 'node' });
    expect(schemaProblems(named)).toEqual([expect.stringContaining('runAsUser must be integer')]);
    expect(schemaProblems({ ...deployment, kind: 'Deploymnet' })).toEqual([
      expect.stringContaining('unknown apiVersion/kind'),
    ]);
  });

  it('every pod passes the restricted Pod Security Standard with a numeric user', () => {
    const pods = podSpecs(everything);
    expect(pods.map((p) => p.name).sort()).toEqual(['mandate', 'mandate-redis']);
    for (const { name, pod } of pods) {
      expect({ name, problems: restrictedViolations(pod) }).toEqual({ name, problems: [] });
    }
    // The image runs as USER 1000:1000; the pod says so in numbers the kubelet can check.
    expect(brokerPod.securityContext).toMatchObject({
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
    });
    expect(brokerPod.automountServiceAccountToken).toBe(false);
  });

  it('the pod security check refuses what the kubelet or the restricted standard would', () => {
    const broken = (change: (pod: IPodSpec, c: IContainer) => void) => {
      const pod = structuredClone(brokerPod);
      change(pod, pod.containers[0]!);
      return restrictedViolations(pod);
    };
    const ctx = (c: IContainer) => c.securityContext!;
    const named = broken((pod, c) => {
      delete pod.securityContext!.runAsUser;
      delete ctx(c).runAsUser;
    });
    expect(named).toEqual([expect.stringContaining('runAsUser is not a numeric uid')]);
    expect(broken((_, c) => (ctx(c).runAsUser = 0))).toEqual([
      'container mandate: runAsUser is 0 (root)',
    ]);
    expect(broken((_, c) => (ctx(c).allowPrivilegeEscalation = true))).toHaveLength(1);
    expect(broken((_, c) => (ctx(c).readOnlyRootFilesystem = false))).toHaveLength(1);
    expect(broken((_, c) => (ctx(c).capabilities = { drop: ['NET_RAW'] }))).toHaveLength(1);
    const noSeccomp = broken((pod, c) => {
      delete pod.securityContext!.seccompProfile;
      delete ctx(c).seccompProfile;
    });
    expect(noSeccomp).toHaveLength(1);
    expect(broken((pod) => pod.volumes!.push({ name: 'h', hostPath: { path: '/' } }))).toEqual([
      'volume h: hostPath is not allowed',
    ]);
    expect(broken((pod) => (pod.hostNetwork = true))).toEqual(['hostNetwork']);
  });

  it('every ConfigMap, Secret and Service the broker uses is defined here or documented as yours', () => {
    const documented = documentedUserProvided();
    const isDocumented = (r: { kind: string; name: string; namespace: string }) =>
      documented.some((d) => d.kind === r.kind && d.name === r.name && d.namespace === r.namespace);
    const isDefined = (r: { kind: string; name: string; namespace: string }) =>
      r.namespace === 'mandate' &&
      everything.some((m) => m.kind === r.kind && m.metadata.name === r.name);
    const services = outboundUrls(brokerConfig()).map((url) => {
      const [name, namespace = 'mandate'] = new URL(url).hostname.split('.');
      return { kind: 'Service', name: name!, namespace, keys: [new URL(url).port] };
    });
    const refs = [
      ...podReferences(brokerPod).map((r) => ({ ...r, namespace: 'mandate' })),
      ...services,
    ];
    expect(refs.filter((r) => !isDefined(r) && !isDocumented(r))).toEqual([]);
    // No stale row: everything documented is something the broker uses, by that key or port.
    for (const d of documented) {
      const ref = refs.find((r) => r.kind === d.kind && r.name === d.name);
      expect({ ...d, used: ref !== undefined }).toEqual({ ...d, used: true });
      if (ref!.keys.length > 0) expect(ref!.keys).toContain(d.key);
    }
  });

  it('the config passes the broker schema and every file it names is a key of a mounted volume', () => {
    const config = brokerConfig();
    expect(config.store.redis_url).toBe(redisUrl);
    // Dev mode writes its key to disk; the root filesystem is read-only and nothing else writes.
    expect(config.dev).toBeUndefined();
    expect(config.server).toMatchObject({
      host: '0.0.0.0',
      port: broker.ports![0]!.containerPort,
    });
    const documented = documentedUserProvided();
    const files = [
      configFile,
      ...config.signing.keys.map((k) => k.file),
      ...config.trust.spiffe.flatMap((t) => [t.bundle_file, t.bundle_endpoint?.ca_file]),
    ].filter((f): f is string => f !== undefined);
    expect(files).toHaveLength(3);
    for (const file of files) {
      const mount = broker.volumeMounts!.find((m) => file.startsWith(`${m.mountPath}/`));
      const volume = brokerPod.volumes!.find((v) => v.name === mount?.name);
      const key = file.slice((mount?.mountPath.length ?? 0) + 1);
      const source = volume?.configMap?.name ?? volume?.secret?.secretName ?? '';
      const defined = main.manifests.some(
        (m) => m.kind === 'ConfigMap' && m.metadata.name === source,
      );
      const keys = defined
        ? Object.keys(configMapData(main.manifests, source))
        : documented.filter((d) => d.name === source).map((d) => d.key);
      expect({ file, keys }).toEqual({ file, keys: expect.arrayContaining([key]) as unknown });
    }
    // Policies: the whole ConfigMap at policy.dir (a subPath mount never sees updates).
    const policies = broker.volumeMounts!.find((m) => m.mountPath === config.policy.dir);
    expect(policies?.subPath).toBeUndefined();
    const volume = brokerPod.volumes!.find((v) => v.name === policies?.name);
    expect(volume?.configMap?.name).toBe('mandate-policies');
    expect(config.policy.watch).toBe(true);
  });

  it('a misspelled key in the config ConfigMap fails, as it would fail the broker at start', () => {
    const text = configMapData(main.manifests, 'mandate-config')['mandate.yaml']!;
    const raw = parse(text) as Record<string, unknown>;
    expect(() => parseConfig({ ...raw, polcy: raw.policy }, configFile)).toThrow(/polcy/);
  });

  it('the policies ConfigMap, mounted as the kubelet mounts it, loads against the catalogue', () => {
    const config = brokerConfig();
    const data = configMapData(main.manifests, 'mandate-policies');
    // The broker's own schema, not a stale copy of it.
    expect(data['schema.cedarschema']).toBe(read('config/policies/schema.cedarschema'));
    const volume = new ConfigMapVolume(data);
    const catalogue = Catalogue.fromConfig(config.resources);
    try {
      const set = loadPolicySet(volume.dir, catalogue, { claims: config.policy.claims });
      expect(Object.keys(set.policies).length).toBeGreaterThan(0);
    } finally {
      volume.remove();
    }
  });

  it('probes, Service, PodDisruptionBudget and NetworkPolicy fit the pod and the config', () => {
    expect(broker.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(broker.livenessProbe?.httpGet?.path).toBe('/healthz');
    const spec = read('openapi.yaml');
    for (const path of ['/readyz', '/healthz']) expect(spec).toContain(`\n  ${path}:`);
    const port = broker.ports![0]!;
    const probePorts = [broker.readinessProbe, broker.livenessProbe].map((p) => p?.httpGet?.port);
    expect(probePorts).toEqual([port.name, port.name]);

    const labels = brokerTemplate.metadata.labels;
    const selectsBroker = (selector: Record<string, string>) =>
      Object.keys(selector).length > 0 &&
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    type Service = { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } };
    const service = find<Service>(main.manifests, 'Service', 'mandate');
    expect(selectsBroker(service.spec.selector)).toBe(true);
    expect(service.spec.ports[0]?.targetPort).toBe(port.name);
    type Pdb = { spec: { selector: { matchLabels: Record<string, string> } } };
    const pdb = find<Pdb>(main.manifests, 'PodDisruptionBudget', 'mandate');
    expect(selectsBroker(pdb.spec.selector.matchLabels)).toBe(true);

    type Rule = { ports?: { port: number | string; protocol: string }[] };
    type Policy = {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress: Rule[];
        egress: Rule[];
      };
    };
    const policy = find<Policy>(main.manifests, 'NetworkPolicy', 'mandate');
    expect(selectsBroker(policy.spec.podSelector.matchLabels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const ingress = policy.spec.ingress.flatMap((r) => r.ports ?? []);
    expect(ingress).toEqual([{ port: port.name, protocol: 'TCP' }]);
    // Egress to DNS and, by port, to every host the config and the Redis Secret name.
    const egress = policy.spec.egress.flatMap((r) => r.ports ?? []);
    for (const url of outboundUrls(brokerConfig()))
      expect(egress).toContainEqual({ port: Number(new URL(url).port), protocol: 'TCP' });
    expect(egress).toContainEqual({ port: 53, protocol: 'UDP' });
  });
});
