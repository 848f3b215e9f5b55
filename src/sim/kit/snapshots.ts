/**
 * The engine's input built from the store, the way the collector builds it from a cluster: every Pod,
 * Event, Node, workload, quota and claim, plus the tails of the containers' logs.
 */
import { buildSnapshots, classifyObjects } from '../../cluster/snapshot.ts';
import type { Pod } from '../../contract/k8s.ts';
import type { ContainerLogTail, Snapshot } from '../../contract/snapshot.ts';
import type { ObjectStore } from '../store.ts';

export const SNAPSHOT_RESOURCES = [
  'pods',
  'events',
  'nodes',
  'replicasets',
  'deployments',
  'statefulsets',
  'daemonsets',
  'jobs',
  'cronjobs',
  'resourcequotas',
  'persistentvolumeclaims',
] as const;

export interface SnapshotOptions {
  /** Attach container log tails (current and previous instance). Default true. */
  logs?: boolean;
  /** Lines per tail. Default 50. */
  tailLines?: number;
}

export function snapshotsFromStore(store: ObjectStore, observedAt: string, options: SnapshotOptions = {}): Snapshot[] {
  const objects = SNAPSHOT_RESOURCES.flatMap((resource) => store.list(resource).items);
  const set = classifyObjects(objects);
  const logs = new Map<string, ContainerLogTail[]>();
  if (options.logs ?? true) {
    const tail = options.tailLines ?? 50;
    for (const pod of set.pods) {
      const tails = logTails(store, pod, tail);
      if (tails.length > 0 && pod.metadata.uid) logs.set(pod.metadata.uid, tails);
    }
  }
  return buildSnapshots(set, observedAt, { logs });
}

function logTails(store: ObjectStore, pod: Pod, tail: number): ContainerLogTail[] {
  const ns = pod.metadata.namespace ?? 'default';
  const out: ContainerLogTail[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const logs = store.getLogs(ns, pod.metadata.name, c.name);
    if (logs.previous.length > 0) out.push({ container: c.name, previous: true, lines: logs.previous.slice(-tail) });
    if (logs.current.length > 0) out.push({ container: c.name, previous: false, lines: logs.current.slice(-tail) });
  }
  return out;
}
