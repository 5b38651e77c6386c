import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

/** Volume types the "restricted" Pod Security Standard allows. */
const RESTRICTED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/**
 * What the kubelet and the "restricted" Pod Security Standard would refuse in a pod, plus the
 * read-only root filesystem Mandate's manifests promise; empty when the pod passes.
 *
 * The kubelet can only enforce `runAsNonRoot` against a numeric user: with an image whose
 * USER is a name it refuses to start the container ("image has non-numeric user"), so every
 * container must have a numeric, non-zero `runAsUser` in the manifest itself.
 *
 * @example
 * expect(restrictedViolations(pod)).toEqual([]);
 */
export function restrictedViolations(pod: IPodSpec): string[] {
  const problems: string[] = [];
  if (pod.hostNetwork === true) problems.push('hostNetwork');
  if (pod.hostPID === true) problems.push('hostPID');
  if (pod.hostIPC === true) problems.push('hostIPC');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === undefined || !RESTRICTED_VOLUMES.includes(type))
      problems.push(`volume ${volume.name}: ${String(type)} is not allowed`);
  }
  const podContext = pod.securityContext ?? {};
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const ctx = c.securityContext ?? {};
    const at = (what: string) => problems.push(`container ${c.name}: ${what}`);
    const runAsNonRoot = ctx.runAsNonRoot ?? podContext.runAsNonRoot;
    const runAsUser = ctx.runAsUser ?? podContext.runAsUser;
    const seccomp = (ctx.seccompProfile ?? podContext.seccompProfile)?.type;
    if (runAsNonRoot !== true) at('runAsNonRoot is not true');
    if (typeof runAsUser !== 'number' || !Number.isInteger(runAsUser))
      at('runAsUser is not a numeric uid, so the kubelet cannot check runAsNonRoot');
    else if (runAsUser === 0) at('runAsUser is 0 (root)');
    if (ctx.allowPrivilegeEscalation !== false) at('allowPrivilegeEscalation is not false');
    if (ctx.privileged === true) at('privileged');
    if (ctx.readOnlyRootFilesystem !== true) at('readOnlyRootFilesystem is not true');
    if (!(ctx.capabilities?.drop ?? []).includes('ALL')) at('capabilities do not drop ALL');
    if ((ctx.capabilities?.add ?? []).length > 0) at('capabilities are added');
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      at('seccompProfile is not RuntimeDefault or Localhost');
    if ((c.ports ?? []).some((p) => p.hostPort !== undefined)) at('hostPort');
    if (c.resources?.requests === undefined || c.resources.limits?.memory === undefined)
      at('no resource requests or memory limit');
  }
  return problems;
}

/** A ConfigMap or Secret a pod reads, and the keys it reads of it where it names them. */
export interface Reference {
  readonly kind: 'ConfigMap' | 'Secret' | 'ServiceAccount';
  readonly name: string;
  readonly keys: readonly string[];
}

/** Every ConfigMap, Secret and service account a pod spec refers to. */
export function podReferences(pod: IPodSpec): Reference[] {
  const refs: Reference[] = [];
  if (pod.serviceAccountName !== undefined)
    refs.push({ kind: 'ServiceAccount', name: pod.serviceAccountName, keys: [] });
  for (const v of pod.volumes ?? []) {
    if (v.configMap?.name !== undefined)
      refs.push({ kind: 'ConfigMap', name: v.configMap.name, keys: [] });
    if (v.secret?.secretName !== undefined)
      refs.push({ kind: 'Secret', name: v.secret.secretName, keys: [] });
  }
  const containers: IContainer[] = [...(pod.initContainers ?? []), ...pod.containers];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      const m = e.valueFrom?.configMapKeyRef;
      if (s?.name !== undefined) refs.push({ kind: 'Secret', name: s.name, keys: [s.key] });
      if (m?.name !== undefined) refs.push({ kind: 'ConfigMap', name: m.name, keys: [m.key] });
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name !== undefined)
        refs.push({ kind: 'Secret', name: e.secretRef.name, keys: [] });
      if (e.configMapRef?.name !== undefined)
        refs.push({ kind: 'ConfigMap', name: e.configMapRef.name, keys: [] });
    }
  }
  return refs;
}
