/**
 * Builds the engine's snapshots from plain Kubernetes objects: groups Events, Nodes, owners,
 * quotas and PVCs with the Pods (and pod-less workloads) they belong to. Pure: used by the CLI on
 * kubectl dumps, by the tests on fixtures and by the live collector on its cache.
 */
import { isRecord } from '../contract/is-record.ts';
import type { KubeEvent, Node, PersistentVolumeClaim, Pod, ResourceQuota, Workload } from '../contract/k8s.ts';
import type { ContainerLogTail, PodSnapshot, RolloutContext, Snapshot, WorkloadSnapshot } from '../contract/snapshot.ts';
import {
  conform, EventSchema, NodeSchema, normalizeObject, PersistentVolumeClaimSchema, PodSchema, ResourceQuotaSchema, WorkloadSchema,
} from './normalize.ts';

/** Kinds whose controllers create Pods directly, and so can have FailedCreate with no Pod to show. */
export const POD_CREATING_KINDS: readonly string[] = ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController'];
export const WORKLOAD_KINDS: readonly string[] = [...POD_CREATING_KINDS, 'Deployment', 'CronJob'];

export interface ObjectSet {
  pods: Pod[];
  events: KubeEvent[];
  nodes: Node[];
  workloads: Workload[];
  quotas: ResourceQuota[];
  pvcs: PersistentVolumeClaim[];
}

export function emptyObjectSet(): ObjectSet {
  return { pods: [], events: [], nodes: [], workloads: [], quotas: [], pvcs: [] };
}

const CLASSIFIED_KINDS: ReadonlySet<string> = new Set(['Pod', 'Event', 'Node', 'ResourceQuota', 'PersistentVolumeClaim', ...WORKLOAD_KINDS]);

/**
 * Sorts objects by kind; unknown kinds are ignored, and so are objects that cannot be one of the
 * engine's shapes (e.g. a Pod without a name). See the schemas in normalize.ts.
 */
export function classifyObjects(objects: readonly unknown[], into: ObjectSet = emptyObjectSet()): ObjectSet {
  for (const raw of objects) {
    if (!isRecord(raw) || typeof raw.kind !== 'string' || !isRecord(raw.metadata)) continue;
    if (!CLASSIFIED_KINDS.has(raw.kind)) continue;
    // A dump may have been edited by hand (or crafted): give the engine the types it is promised.
    const object = normalizeObject(raw);
    switch (raw.kind) {
      case 'Pod':
        addConformed(into.pods, conform(PodSchema, object));
        break;
      case 'Event': {
        const event = conform(EventSchema, object);
        if (event) into.events.push(toCoreEvent(event));
        break;
      }
      case 'Node':
        addConformed(into.nodes, conform(NodeSchema, object));
        break;
      case 'ResourceQuota':
        addConformed(into.quotas, conform(ResourceQuotaSchema, object));
        break;
      case 'PersistentVolumeClaim':
        addConformed(into.pvcs, conform(PersistentVolumeClaimSchema, object));
        break;
      default:
        addConformed(into.workloads, conform(WorkloadSchema, object));
    }
  }
  return into;
}

function addConformed<T>(list: T[], object: T | null): void {
  if (object) list.push(object);
}

export function countObjects(set: ObjectSet): number {
  return set.pods.length + set.events.length + set.nodes.length + set.workloads.length + set.quotas.length + set.pvcs.length;
}

/** events.k8s.io/v1 Events name things differently; the engine reads the core/v1 shape. */
export function toCoreEvent(object: Record<string, unknown>): KubeEvent {
  if (isRecord(object.involvedObject)) return object as unknown as KubeEvent;
  const regarding = isRecord(object.regarding) ? object.regarding : {};
  return {
    ...(object as unknown as KubeEvent),
    involvedObject: regarding,
    message: typeof object.note === 'string' ? object.note : undefined,
    count: typeof object.deprecatedCount === 'number' ? object.deprecatedCount : undefined,
    firstTimestamp: typeof object.deprecatedFirstTimestamp === 'string' ? object.deprecatedFirstTimestamp : undefined,
    lastTimestamp: typeof object.deprecatedLastTimestamp === 'string' ? object.deprecatedLastTimestamp : undefined,
    source: { component: typeof object.reportingController === 'string' ? object.reportingController : undefined },
  };
}

interface Indexes {
  workloadsByUid: Map<string, Workload>;
  workloadsByName: Map<string, Workload>;
  eventsByUid: Map<string, KubeEvent[]>;
  eventsByName: Map<string, KubeEvent[]>;
  nodesByName: ReadonlyMap<string, Node>;
  quotasByNamespace: Map<string, ResourceQuota[]>;
  pvcsByName: Map<string, PersistentVolumeClaim>;
  podCountByOwnerUid: Map<string, number>;
}

function nameKey(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  return `${kind ?? ''}/${namespace ?? ''}/${name ?? ''}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Nodes by name, per array of Nodes. The live cache hands every Pod's snapshot the same array of all its Nodes
 * (ClusterCache.nodes(), replaced and never changed in place when a Node changes): indexing its hundreds of Nodes
 * again for each diagnosis cost a worker about a tenth of its CPU per job (bench:pipeline, 500 nodes). The length is
 * checked too, so an array still being filled (classifyObjects) is indexed again. Read-only for the snapshots.
 */
const nodesByNameOf = new WeakMap<readonly Node[], { length: number; byName: Map<string, Node> }>();

function nodesByName(nodes: readonly Node[]): Map<string, Node> {
  const known = nodesByNameOf.get(nodes);
  if (known?.length === nodes.length) return known.byName;
  const byName = new Map<string, Node>();
  for (const n of nodes) byName.set(n.metadata.name, n);
  nodesByNameOf.set(nodes, { length: nodes.length, byName });
  return byName;
}

function buildIndexes(set: ObjectSet): Indexes {
  const indexes: Indexes = {
    workloadsByUid: new Map(),
    workloadsByName: new Map(),
    eventsByUid: new Map(),
    eventsByName: new Map(),
    nodesByName: nodesByName(set.nodes),
    quotasByNamespace: new Map(),
    pvcsByName: new Map(),
    podCountByOwnerUid: new Map(),
  };
  for (const w of set.workloads) {
    if (w.metadata.uid) indexes.workloadsByUid.set(w.metadata.uid, w);
    indexes.workloadsByName.set(nameKey(w.kind, w.metadata.namespace, w.metadata.name), w);
  }
  for (const e of set.events) {
    const ref = e.involvedObject;
    if (ref.uid) push(indexes.eventsByUid, ref.uid, e);
    // Nodes are cluster-scoped, but kubelet records node events in the default namespace.
    push(indexes.eventsByName, nameKey(ref.kind, ref.kind === 'Node' ? '' : ref.namespace, ref.name), e);
  }
  for (const q of set.quotas) push(indexes.quotasByNamespace, q.metadata.namespace ?? '', q);
  for (const p of set.pvcs) indexes.pvcsByName.set(nameKey('PersistentVolumeClaim', p.metadata.namespace, p.metadata.name), p);
  for (const pod of set.pods) {
    for (const ref of pod.metadata.ownerReferences ?? []) {
      indexes.podCountByOwnerUid.set(ref.uid, (indexes.podCountByOwnerUid.get(ref.uid) ?? 0) + 1);
    }
  }
  return indexes;
}

function eventsFor(indexes: Indexes, kind: string, namespace: string | undefined, name: string, uid: string | undefined): KubeEvent[] {
  // kubelet's node events carry the node *name* as involvedObject.uid (pkg/kubelet/kubelet.go nodeRef),
  // so Nodes are matched by name alone.
  if (kind === 'Node') return indexes.eventsByName.get(nameKey('Node', '', name)) ?? [];
  const byName = indexes.eventsByName.get(nameKey(kind, kind === 'Node' ? '' : namespace, name)) ?? [];
  const byUid = uid ? (indexes.eventsByUid.get(uid) ?? []) : [];
  // Events carrying another uid belong to an earlier object of the same name (e.g. a re-created StatefulSet Pod).
  const sameName = byName.filter((e) => !e.involvedObject.uid || !uid || e.involvedObject.uid === uid);
  return [...new Set([...byUid, ...sameName])];
}

function ownerChain(indexes: Indexes, namespace: string | undefined, refs: Pod['metadata']['ownerReferences']): Workload[] {
  const chain: Workload[] = [];
  const seen = new Set<string>();
  let current = refs;
  while (current && current.length > 0 && chain.length < 5) {
    const ref = current.find((r) => r.controller) ?? current[0];
    if (!ref || seen.has(ref.uid)) break;
    seen.add(ref.uid);
    const owner = indexes.workloadsByUid.get(ref.uid) ?? indexes.workloadsByName.get(nameKey(ref.kind, namespace, ref.name));
    if (!owner) break;
    chain.push(owner);
    current = owner.metadata.ownerReferences;
  }
  return chain;
}

export interface SnapshotExtras {
  /** Log tails by Pod uid. */
  logs?: ReadonlyMap<string, ContainerLogTail[]>;
}

/** One snapshot per Pod, plus one per pod-creating workload (the engine stays silent on healthy ones). */
export function buildSnapshots(set: ObjectSet, observedAt: string, extras: SnapshotExtras = {}): Snapshot[] {
  const indexes = buildIndexes(set);
  const snapshots: Snapshot[] = [];
  for (const pod of set.pods) snapshots.push(podSnapshot(pod, set, indexes, observedAt, extras));
  for (const workload of set.workloads) {
    if (POD_CREATING_KINDS.includes(workload.kind)) snapshots.push(workloadSnapshot(workload, set, indexes, observedAt));
  }
  return snapshots;
}

/**
 * The snapshot of one Pod of `set` alone: what the live collector needs for a diagnosis (buildSnapshots would also
 * build, for nothing, one per pod-creating workload of the Pod's owner chain and its revisions).
 */
export function buildPodSnapshot(set: ObjectSet, pod: Pod, observedAt: string, extras: SnapshotExtras = {}): PodSnapshot {
  return podSnapshot(pod, set, buildIndexes(set), observedAt, extras);
}

function podSnapshot(pod: Pod, set: ObjectSet, indexes: Indexes, observedAt: string, extras: SnapshotExtras): PodSnapshot {
  const { namespace, name, uid } = pod.metadata;
  const owners = ownerChain(indexes, namespace, pod.metadata.ownerReferences);
  const node = pod.spec.nodeName ? indexes.nodesByName.get(pod.spec.nodeName) : undefined;
  const events = [
    ...eventsFor(indexes, 'Pod', namespace, name, uid),
    ...owners.flatMap((o) => eventsFor(indexes, o.kind, namespace, o.metadata.name, o.metadata.uid)),
    ...(node ? eventsFor(indexes, 'Node', undefined, node.metadata.name, node.metadata.uid) : []),
  ];
  const pvcs = (pod.spec.volumes ?? [])
    .map((v) => v.persistentVolumeClaim?.claimName)
    .filter((claim): claim is string => typeof claim === 'string')
    .map((claim) => indexes.pvcsByName.get(nameKey('PersistentVolumeClaim', namespace, claim)))
    .filter((pvc): pvc is PersistentVolumeClaim => pvc !== undefined);
  // ProvisioningFailed / FailedBinding live on the claim, not the Pod.
  for (const pvc of pvcs) events.push(...eventsFor(indexes, 'PersistentVolumeClaim', namespace, pvc.metadata.name, pvc.metadata.uid));
  const snapshot: PodSnapshot = {
    kind: 'Pod',
    observedAt,
    pod,
    node,
    owners,
    events,
    nodes: set.nodes,
    quotas: indexes.quotasByNamespace.get(namespace ?? '') ?? [],
    pvcs,
    logs: (uid && extras.logs?.get(uid)) || [],
  };
  const rollout = rolloutContext(owners, set.workloads);
  if (rollout) snapshot.rollout = rollout;
  return snapshot;
}

function workloadSnapshot(workload: Workload, set: ObjectSet, indexes: Indexes, observedAt: string): WorkloadSnapshot {
  const { namespace, name, uid } = workload.metadata;
  const owners = ownerChain(indexes, namespace, workload.metadata.ownerReferences);
  const snapshot: WorkloadSnapshot = {
    kind: 'Workload',
    observedAt,
    workload,
    owners,
    events: [
      ...eventsFor(indexes, workload.kind, namespace, name, uid),
      ...owners.flatMap((o) => eventsFor(indexes, o.kind, namespace, o.metadata.name, o.metadata.uid)),
    ],
    nodes: set.nodes,
    quotas: indexes.quotasByNamespace.get(namespace ?? '') ?? [],
  };
  const rollout = rolloutContext([workload, ...owners], set.workloads);
  if (rollout) snapshot.rollout = rollout;
  return snapshot;
}

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * For a Pod of a Deployment: its ReplicaSet is the rollout's revision; the change is the image
 * difference from the previous revision's ReplicaSet, when that one is known.
 */
export function rolloutContext(owners: readonly Workload[], workloads: readonly Workload[]): RolloutContext | undefined {
  const replicaSet = owners.find((o) => o.kind === 'ReplicaSet');
  const deployment = owners.find((o) => o.kind === 'Deployment');
  if (!replicaSet || !deployment || !replicaSet.metadata.creationTimestamp) return undefined;
  const revision = replicaSet.metadata.annotations?.[REVISION_ANNOTATION];
  if (!revision) return undefined;
  const siblings = workloads.filter(
    (w) => w.kind === 'ReplicaSet' && w.metadata.namespace === replicaSet.metadata.namespace &&
      w.metadata.ownerReferences?.some((r) => r.uid === deployment.metadata.uid) && w !== replicaSet,
  );
  const previous = siblings
    .map((w) => ({ w, rev: Number(w.metadata.annotations?.[REVISION_ANNOTATION]) }))
    .filter(({ rev }) => Number.isFinite(rev) && rev < Number(revision))
    .sort((a, b) => b.rev - a.rev)[0]?.w;
  // Revision 1 is the Deployment's creation, not a change.
  if (!previous && revision === '1') return undefined;
  return {
    workload: `Deployment/${deployment.metadata.name}`,
    revision,
    changedAt: replicaSet.metadata.creationTimestamp,
    change: describeTemplateChange(previous, replicaSet),
  };
}

function describeTemplateChange(previous: Workload | undefined, current: Workload): string {
  const now = current.spec?.template?.spec?.containers ?? [];
  if (!previous) return `images ${now.map((c) => `${c.name}=${c.image ?? '?'}`).join(', ')}`;
  const before = previous.spec?.template?.spec?.containers ?? [];
  const changes = now
    .map((c) => ({ c, old: before.find((b) => b.name === c.name) }))
    .filter(({ c, old }) => old && old.image !== c.image)
    .map(({ c, old }) => `image ${c.name}: ${old?.image ?? '?'} → ${c.image ?? '?'}`);
  return changes.length > 0 ? changes.join('; ') : 'pod template changed (same images)';
}
