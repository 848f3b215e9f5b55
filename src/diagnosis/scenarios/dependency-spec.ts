/**
 * Pod-spec lookups for the dependency detector: which fields reference a ConfigMap, Secret, PVC or
 * volume, and what a volume mount looks like. Reports names and keys only, never env values.
 */
import type { Container, Pod, Volume, Workload } from '../../contract/k8s.ts';

/** A field of the Pod spec that points at a ConfigMap or Secret. */
export interface Reference {
  /** e.g. `spec.containers[app].env[DB_PASSWORD].valueFrom.secretKeyRef` */
  field: string;
  /** Object name, plus the key when the reference names one. */
  value: string;
  name: string;
  key: string | null;
  optional: boolean;
  /** The container that uses it; null for pod volumes. */
  container: string | null;
}

export type ObjectKind = 'ConfigMap' | 'Secret';

interface ContainerSpec {
  name: string;
  spec: Container;
  /** `spec.containers[app]` or `spec.initContainers[init-db]` */
  specPath: string;
}

/**
 * The Pod's container specs, init containers first, the first of each name (as support.ts containers()
 * pairs them) but without its per-name status lookups: the dependency detector calls this once per failing
 * container, and through containers() a Pod with 200 containers cost 200³ lookups (found by test/robustness).
 */
function containerSpecs(pod: Pod): ContainerSpec[] {
  const specs: ContainerSpec[] = [];
  const add = (isInit: boolean, list: Container[] | undefined) => {
    const seen = new Set<string>();
    for (const spec of list ?? []) {
      if (seen.has(spec.name)) continue;
      seen.add(spec.name);
      specs.push({ name: spec.name, spec, specPath: `spec.${isInit ? 'initContainers' : 'containers'}[${spec.name}]` });
    }
  };
  add(true, pod.spec.initContainers);
  add(false, pod.spec.containers);
  return specs;
}

/** Every reference to the named ConfigMap/Secret in the Pod (containers first, then volumes). */
export function referencesTo(pod: Pod, kind: ObjectKind, name: string): Reference[] {
  const refs: Reference[] = [];
  for (const view of containerSpecs(pod)) {
    const spec = view.spec;
    for (const env of spec.env ?? []) {
      const ref = kind === 'ConfigMap' ? env.valueFrom?.configMapKeyRef : env.valueFrom?.secretKeyRef;
      if (ref?.name !== name) continue;
      const field = `${view.specPath}.env[${env.name}].valueFrom.${kind === 'ConfigMap' ? 'configMapKeyRef' : 'secretKeyRef'}`;
      refs.push({ field, value: `name ${ref.name}, key ${ref.key}`, name, key: ref.key, optional: ref.optional === true, container: view.name });
    }
    (spec.envFrom ?? []).forEach((source, i) => {
      const ref = kind === 'ConfigMap' ? source.configMapRef : source.secretRef;
      if (ref?.name !== name) return;
      const field = `${view.specPath}.envFrom[${i}].${kind === 'ConfigMap' ? 'configMapRef' : 'secretRef'}.name`;
      refs.push({ field, value: ref.name, name, key: null, optional: ref.optional === true, container: view.name });
    });
  }
  for (const volume of pod.spec.volumes ?? []) {
    if (kind === 'ConfigMap' && volume.configMap?.name === name) {
      refs.push(...volumeRefs(`spec.volumes[${volume.name}].configMap.name`, name, volume.configMap.items, volume.configMap.optional));
    }
    if (kind === 'Secret' && volume.secret?.secretName === name) {
      refs.push(...volumeRefs(`spec.volumes[${volume.name}].secret.secretName`, name, volume.secret.items, volume.secret.optional));
    }
    (volume.projected?.sources ?? []).forEach((source, i) => {
      const ref = kind === 'ConfigMap' ? source.configMap : source.secret;
      if (ref?.name !== name) return;
      const field = `spec.volumes[${volume.name}].projected.sources[${i}].${kind === 'ConfigMap' ? 'configMap' : 'secret'}.name`;
      refs.push({ field, value: name, name, key: null, optional: ref.optional === true, container: null });
    });
  }
  return refs;
}

function volumeRefs(field: string, name: string, items: { key: string; path: string }[] | undefined, optional: boolean | undefined): Reference[] {
  if (!items || items.length === 0) return [{ field, value: name, name, key: null, optional: optional === true, container: null }];
  return items.map((item) => ({ field, value: `name ${name}, key ${item.key}`, name, key: item.key, optional: optional === true, container: null }));
}

/** The keys the Pod expects the object to hold (from key references and volume items). */
export function expectedKeys(refs: readonly Reference[]): string[] {
  return [...new Set(refs.map((r) => r.key).filter((k): k is string => k !== null))];
}

const VOLUME_SOURCES = [
  'persistentVolumeClaim', 'configMap', 'secret', 'projected', 'emptyDir', 'hostPath', 'csi', 'nfs', 'ephemeral',
  'downwardAPI', 'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'iscsi', 'rbd', 'cephfs', 'fc', 'image',
] as const;

/** The volume's source type (`persistentVolumeClaim`, `configMap`, …). */
export function volumeSource(volume: Volume): string {
  return VOLUME_SOURCES.find((key) => volume[key] !== undefined) ?? Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
}

export function findVolume(pod: Pod, name: string): Volume | undefined {
  return pod.spec.volumes?.find((v) => v.name === name);
}

export interface MountRef {
  container: string;
  /** `spec.containers[app].volumeMounts[config]` */
  field: string;
  mount: NonNullable<Container['volumeMounts']>[number];
}

/** Every container mount of the named volume. */
export function mountsOf(pod: Pod, volume: string): MountRef[] {
  return allMounts(pod).filter((m) => m.mount.name === volume);
}

export function allMounts(pod: Pod, container?: string): MountRef[] {
  const mounts: MountRef[] = [];
  for (const view of containerSpecs(pod)) {
    if (container !== undefined && view.name !== container) continue;
    for (const mount of view.spec.volumeMounts ?? []) {
      mounts.push({ container: view.name, field: `${view.specPath}.volumeMounts[${mount.name}]`, mount });
    }
  }
  return mounts;
}

/** The object a user edits to change the pod template: the top of the owner chain (e.g. the Deployment). */
export function templateOwner(owners: readonly Workload[]): Workload | undefined {
  return owners.at(-1);
}

/** Where the pod template lives in that object. */
export function templatePath(workload: Workload): string {
  return workload.kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template';
}

/** `the pod template of Deployment/web (spec.template.spec.containers[app].env[X])` or `Pod/web-1 (spec…)`. */
export function whereToFix(pod: Pod, owners: readonly Workload[], field: string): string {
  const owner = templateOwner(owners);
  if (!owner) return `${field} of Pod/${pod.metadata.name}`;
  return `${templatePath(owner)}.${field} of ${owner.kind}/${owner.metadata.name}`;
}
