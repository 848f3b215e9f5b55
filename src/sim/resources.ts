/**
 * The resources the simulated API server serves, with what discovery, field selectors and the
 * registry need to know about each. Verbs, short names, categories and selectable fields are the
 * ones a real v1.3x kube-apiserver reports.
 *
 * Selectable fields:
 * source: kubernetes/kubernetes pkg/registry/core/pod/strategy.go (ToSelectableFields),
 *   pkg/registry/core/event/strategy.go, pkg/registry/core/node/strategy.go,
 *   pkg/registry/core/namespace/strategy.go, pkg/registry/apps/replicaset/strategy.go,
 *   pkg/registry/batch/job/strategy.go, staging/.../registry/generic/matcher.go (metadata.name/namespace)
 */

export interface ResourceInfo {
  /** Plural resource name as in URLs: "pods". */
  readonly resource: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly ('status' | 'log')[];
  /** Field selector labels beyond metadata.name (and metadata.namespace for namespaced resources). */
  readonly selectableFields: readonly string[];
  /** DELETE answers with the deleted object instead of a Success Status (registry ReturnDeletedObject). */
  readonly returnsDeletedObject: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function info(partial: Omit<ResourceInfo, 'listKind' | 'singular'> & { singular?: string }): ResourceInfo {
  return { ...partial, listKind: `${partial.kind}List`, singular: partial.singular ?? partial.kind.toLowerCase() };
}

export const RESOURCES: readonly ResourceInfo[] = [
  info({
    resource: 'pods', group: '', version: 'v1', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: ['log', 'status'],
    selectableFields: [
      'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
      'status.phase', 'status.podIP', 'status.nominatedNodeName',
    ],
    returnsDeletedObject: true,
  }),
  info({
    resource: 'events', group: '', version: 'v1', kind: 'Event', namespaced: true, shortNames: ['ev'], categories: [],
    subresources: [],
    selectableFields: [
      'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
      'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
      'reason', 'reportingComponent', 'source', 'type',
    ],
    returnsDeletedObject: false,
  }),
  info({
    resource: 'nodes', group: '', version: 'v1', kind: 'Node', namespaced: false, shortNames: ['no'], categories: [],
    subresources: ['status'], selectableFields: ['spec.unschedulable'], returnsDeletedObject: false,
  }),
  info({
    resource: 'namespaces', group: '', version: 'v1', kind: 'Namespace', namespaced: false, shortNames: ['ns'], categories: [],
    subresources: ['status'], selectableFields: ['status.phase'], returnsDeletedObject: false,
  }),
  info({
    resource: 'resourcequotas', group: '', version: 'v1', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'],
    categories: [], subresources: ['status'], selectableFields: [], returnsDeletedObject: false,
  }),
  info({
    resource: 'persistentvolumeclaims', group: '', version: 'v1', kind: 'PersistentVolumeClaim', namespaced: true,
    shortNames: ['pvc'], categories: [], subresources: ['status'], selectableFields: [], returnsDeletedObject: false,
  }),
  info({
    resource: 'deployments', group: 'apps', version: 'v1', kind: 'Deployment', namespaced: true, shortNames: ['deploy'],
    categories: ['all'], subresources: ['status'], selectableFields: [], returnsDeletedObject: false,
  }),
  info({
    resource: 'replicasets', group: 'apps', version: 'v1', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'],
    categories: ['all'], subresources: ['status'], selectableFields: ['status.replicas'], returnsDeletedObject: false,
  }),
  info({
    resource: 'statefulsets', group: 'apps', version: 'v1', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'],
    categories: ['all'], subresources: ['status'], selectableFields: [], returnsDeletedObject: false,
  }),
  info({
    resource: 'daemonsets', group: 'apps', version: 'v1', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'],
    categories: ['all'], subresources: ['status'], selectableFields: [], returnsDeletedObject: false,
  }),
  info({
    resource: 'jobs', group: 'batch', version: 'v1', kind: 'Job', namespaced: true, shortNames: [], categories: ['all'],
    subresources: ['status'], selectableFields: ['status.successful'], returnsDeletedObject: false,
  }),
  info({
    resource: 'cronjobs', group: 'batch', version: 'v1', kind: 'CronJob', namespaced: true, shortNames: ['cj'],
    categories: ['all'], subresources: ['status'], selectableFields: [], returnsDeletedObject: false,
  }),
];

const BY_RESOURCE = new Map(RESOURCES.map((r) => [r.resource, r]));
const BY_GVR = new Map(RESOURCES.map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));
const BY_KIND = new Map(RESOURCES.map((r) => [`${r.group}/${r.kind}`, r]));

/** Resource by plural name ("pods"); throws on a resource the simulator does not serve. */
export function resourceInfo(resource: string): ResourceInfo {
  const found = BY_RESOURCE.get(resource);
  if (found === undefined) throw new Error(`sim: unknown resource ${JSON.stringify(resource)}`);
  return found;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return BY_GVR.get(`${group}/${version}/${resource}`);
}

/** Resource for an object's apiVersion + kind ("apps/v1" + "Deployment"). */
export function resourceForKind(apiVersion: string | undefined, kind: string | undefined): ResourceInfo | undefined {
  if (apiVersion === undefined || kind === undefined) return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  return BY_KIND.get(`${group}/${kind}`);
}

export function apiVersionOf(r: ResourceInfo): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export const GROUPS: readonly { group: string; version: string }[] = [
  { group: 'apps', version: 'v1' },
  { group: 'batch', version: 'v1' },
];

/** The verbs a resource or subresource supports, sorted as discovery lists them. */
export function verbsOf(_r: ResourceInfo, subresource?: 'status' | 'log'): string[] {
  if (subresource === 'log') return ['get'];
  if (subresource === 'status') return ['get', 'patch', 'update'];
  return [...ALL_VERBS];
}

/**
 * Legacy discovery document for one group version (what /api/v1 or /apis/apps/v1 returns).
 * source: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (APIResourceList, APIResource)
 */
export function apiResourceList(group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const entry: Record<string, unknown> = {
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r),
    };
    if (r.shortNames.length > 0) entry['shortNames'] = [...r.shortNames];
    if (r.categories.length > 0) entry['categories'] = [...r.categories];
    resources.push(entry);
    for (const sub of r.subresources) {
      resources.push({ name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r, sub) });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2), what kubectl ≥1.30 asks /api and /apis for first.
 * source: staging/src/k8s.io/api/apidiscovery/v2/types.go (APIGroupDiscoveryList)
 */
export function aggregatedDiscovery(legacy: boolean): Record<string, unknown> {
  const groups = legacy ? [{ group: '', version: 'v1' }] : GROUPS;
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(({ group, version }) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: [
        {
          version,
          freshness: 'Current',
          resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => {
            const entry: Record<string, unknown> = {
              resource: r.resource,
              responseKind: { group, version, kind: r.kind },
              scope: r.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: r.singular,
              verbs: verbsOf(r),
            };
            if (r.shortNames.length > 0) entry['shortNames'] = [...r.shortNames];
            if (r.categories.length > 0) entry['categories'] = [...r.categories];
            if (r.subresources.length > 0) {
              entry['subresources'] = r.subresources.map((sub) => ({
                subresource: sub,
                responseKind: { group, version, kind: r.kind },
                verbs: verbsOf(r, sub),
              }));
            }
            return entry;
          }),
        },
      ],
    })),
  };
}
