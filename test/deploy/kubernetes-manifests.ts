import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { parse, parseAllDocuments } from 'yaml';

/** One object of a manifest file, as `kubectl apply` would send it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
  /** The file it came from, for messages. */
  readonly file: string;
}

/** A kustomization: the namespace it puts everything in and its resource files. */
export interface Kustomization {
  readonly namespace: string;
  readonly resources: readonly string[];
}

/**
 * Reads `kustomization.yaml` of `dir` and every object of the files it lists.
 *
 * @example
 * const { kustomization, manifests } = loadKustomization('deploy/kubernetes');
 */
export function loadKustomization(dir: string): {
  kustomization: Kustomization;
  manifests: Manifest[];
  yamlFiles: string[];
} {
  const kustomization = parse(
    readFileSync(join(dir, 'kustomization.yaml'), 'utf8'),
  ) as Kustomization;
  const manifests = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return { ...(doc.toJS() as Manifest), file };
    }),
  );
  const yamlFiles = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
  return { kustomization, manifests, yamlFiles };
}

/** The kinds these manifests may use, each with its model generated from the Kubernetes OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/**
 * Validates an object against the Kubernetes schema of its apiVersion and kind; the problems
 * found (empty when valid). An apiVersion/kind pair without a model is a problem too, so a
 * typo in `kind` or a removed API version cannot slip through unvalidated.
 */
export function schemaProblems(manifest: Manifest): string[] {
  const { file, ...object } = manifest;
  const where = `${file}: ${manifest.kind}/${manifest.metadata?.name}`;
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined) return [`${where}: unknown apiVersion/kind ${manifest.apiVersion}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
}

/** The pod template of a workload, with the workload's name. */
export function podSpecs(manifests: readonly Manifest[]): { name: string; pod: IPodSpec }[] {
  return manifests
    .filter((m) => m.kind === 'Deployment')
    .map((m) => ({
      name: m.metadata.name,
      pod: (m as unknown as { spec: { template: { spec: IPodSpec } } }).spec.template.spec,
    }));
}

/** The `data` of the ConfigMap named `name`; throws if there is none. */
export function configMapData(
  manifests: readonly Manifest[],
  name: string,
): Record<string, string> {
  return find<{ data: Record<string, string> }>(manifests, 'ConfigMap', name).data;
}

/** The object of `kind` named `name`; throws if there is none. */
export function find<T = Manifest>(manifests: readonly Manifest[], kind: string, name: string): T {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the manifests`);
  return found as unknown as T;
}
