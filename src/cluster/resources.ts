/**
 * The Kubernetes resource types podwhy reads, with the kind and API group each is served under: the
 * cache keeps one informer per type, ClientNodeCluster builds their API paths, slimming sets their kind.
 */
export interface ResourceInfo {
  kind: string;
  apiVersion: string;
  namespaced: boolean;
}

/**
 * The resource types podwhy caches: what the engine reads (PLATFORM.md §2.6), plus Namespaces, whose
 * `podwhy.io/channel` annotation routes a namespace's alerts (src/notify/channel-routing.ts).
 */
export const RESOURCES = {
  pods: { kind: 'Pod', apiVersion: 'v1', namespaced: true },
  events: { kind: 'Event', apiVersion: 'v1', namespaced: true },
  nodes: { kind: 'Node', apiVersion: 'v1', namespaced: false },
  replicasets: { kind: 'ReplicaSet', apiVersion: 'apps/v1', namespaced: true },
  deployments: { kind: 'Deployment', apiVersion: 'apps/v1', namespaced: true },
  statefulsets: { kind: 'StatefulSet', apiVersion: 'apps/v1', namespaced: true },
  daemonsets: { kind: 'DaemonSet', apiVersion: 'apps/v1', namespaced: true },
  jobs: { kind: 'Job', apiVersion: 'batch/v1', namespaced: true },
  cronjobs: { kind: 'CronJob', apiVersion: 'batch/v1', namespaced: true },
  resourcequotas: { kind: 'ResourceQuota', apiVersion: 'v1', namespaced: true },
  persistentvolumeclaims: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespaced: true },
  namespaces: { kind: 'Namespace', apiVersion: 'v1', namespaced: false },
} as const satisfies Record<string, ResourceInfo>;

export type ResourceName = keyof typeof RESOURCES;
export const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

/**
 * Types only alert routing reads, not the engine: one-shot diagnosis (ClusterCache.loadOnce, `podwhy why`)
 * skips them unless asked for by name, so it needs no cluster-wide `list namespaces`.
 */
export const ROUTING_ONLY_RESOURCES: readonly ResourceName[] = ['namespaces'];
