import type { KubeEvent, Node, PersistentVolumeClaim, Pod, ResourceQuota, Workload } from './k8s.ts';

/** A bounded tail of one container's log, fetched by the collector for crash, exit and probe cases. */
export interface ContainerLogTail {
  container: string;
  /** true: the log of the previous (crashed) instance, as `kubectl logs --previous`. */
  previous: boolean;
  lines: string[];
}

/** The owner's most recent rollout, so a diagnosis can say "started 3 minutes after the rollout to image X". */
export interface RolloutContext {
  /** e.g. `Deployment/checkout` */
  workload: string;
  revision: string;
  /** When the new revision was created (RFC 3339). */
  changedAt: string;
  /** What changed, e.g. `image app: shop/checkout:1.4 → shop/checkout:1.5`. */
  change: string;
}

interface SnapshotBase {
  /** The moment the snapshot was taken (RFC 3339): the engine's only clock. */
  observedAt: string;
  /**
   * Events about the subject, plus events about its owners and (for Pods) its node,
   * in no particular order; detectors filter by involvedObject.
   */
  events: KubeEvent[];
  /** All nodes the collector knows (for scheduling analysis and node loss); may be empty. */
  nodes: Node[];
  /** The namespace's ResourceQuotas. */
  quotas: ResourceQuota[];
  rollout?: RolloutContext;
}

/** Everything the engine may know about one Pod. */
export interface PodSnapshot extends SnapshotBase {
  kind: 'Pod';
  pod: Pod;
  /** The Node named by spec.nodeName, when it exists. */
  node?: Node;
  /** Owner chain, nearest first: e.g. [ReplicaSet, Deployment]. */
  owners: Workload[];
  /** PVCs the Pod's volumes reference (missing ones are simply absent). */
  pvcs: PersistentVolumeClaim[];
  logs: ContainerLogTail[];
}

/**
 * A workload with no Pod to show for it: quota or admission rejections (FailedCreate)
 * leave no Pod at all, so the subject is the owner itself.
 */
export interface WorkloadSnapshot extends SnapshotBase {
  kind: 'Workload';
  workload: Workload;
  /** Owner chain above the workload, nearest first (e.g. the Deployment of a ReplicaSet). */
  owners: Workload[];
}

export type Snapshot = PodSnapshot | WorkloadSnapshot;
