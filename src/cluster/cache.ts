/**
 * ClusterCache: what the informers saw, normalized and slimmed, indexed the ways the collector
 * asks. Objects are keyed by uid, never by name: a StatefulSet Pod deleted and re-created under
 * the same name is a different object, with different events (client-node's own cache is keyed by
 * namespace/name, PLATFORM.md §2.2). Building one Pod's snapshot reads only that Pod's slice:
 * its events, owners, node and namespace quotas, through the indexes below.
 */
import type { KubeEvent, Node, ObjectMeta, PersistentVolumeClaim, Pod, ResourceQuota, Workload } from '../contract/k8s.ts';
import { involvedKey, nameKey, objectKey, ownerKeys, Table } from './cache-indexes.ts';
import { eventRetention, type EventRetentionLimits } from './event-retention.ts';
import type { ListerWatcherFactory } from './ports.ts';
import { RESOURCE_NAMES, RESOURCES, ROUTING_ONLY_RESOURCES, type ResourceName } from './resources.ts';
import { slimObject, type CachedObject } from './slim.ts';
import { emptyObjectSet, type ObjectSet } from './snapshot.ts';
import { ShapeTable, tagOf, unshape, type Shaped } from './shaped.ts';
import { StringPool } from './string-pool.ts';
import {
  listAll,
  ResilientInformer,
  type InformerStats,
  type InformerTimings,
  type ResilientInformerOptions,
} from './watch/resilient-informer.ts';

const WORKLOAD_RESOURCES: readonly ResourceName[] = ['replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'];

export interface ClusterCacheOptions {
  /** Namespaces to watch; empty or absent: cluster-wide. Nodes are always cluster-wide. */
  namespaces?: readonly string[];
  /** Resource types to cache (default: all of RESOURCES). */
  resources?: readonly ResourceName[];
  timings?: Partial<InformerTimings>;
  onError?: ResilientInformerOptions<CachedObject>['onError'];
  random?: () => number;
  /** The wall clock (ms since the epoch) Events are aged by: the agent's clock, so it agrees with the snapshots' observedAt. */
  now?: () => number;
  /** Tests shrink these; see EVENT_RETENTION for the values and why. */
  eventRetention?: Partial<EventRetentionLimits>;
}

/** A Namespace as the cache keeps it (slim.ts): its name, labels and annotations. */
export interface CachedNamespace {
  kind: 'Namespace';
  apiVersion: 'v1';
  metadata: Pick<ObjectMeta, 'name' | 'uid' | 'resourceVersion' | 'labels' | 'annotations'>;
}

export type CacheChangeType = 'add' | 'update' | 'delete';

/** One change the cache applied, after its indexes were updated (the object is normalized and slimmed). */
export interface CacheChange {
  resource: ResourceName;
  type: CacheChangeType;
  object: unknown;
}

/** What `loadOnce` could not list: the caller decides which resource types it can do without. */
export interface LoadFailure {
  resource: ResourceName;
  namespace?: string;
  error: unknown;
}

export class ClusterCache {
  readonly namespaces: readonly string[];
  readonly resources: readonly ResourceName[];
  readonly #factory: ListerWatcherFactory;
  readonly #options: ClusterCacheOptions;
  readonly #informers: { resource: ResourceName; namespace?: string; informer: ResilientInformer<CachedObject> }[] = [];
  #nodesArray: Node[] | undefined;
  #loadedOnce = false;
  readonly #listeners = new Set<(change: CacheChange) => void>();
  /** Shared by all informers of this cache (see StringPool). */
  readonly #strings = new StringPool();
  /** Pods and workloads are kept as shapes and leaves (shaped.ts): ~1 KB less per Pod than the object tree. */
  readonly #shapes = new ShapeTable();
  readonly #shapedForm = {
    keep: (object: unknown): Shaped => this.#shapes.shape(object, (object as CachedObject).metadata.resourceVersion),
    restore: <T>(stored: unknown): T => unshape<T>(stored as Shaped),
    versionOf: (stored: unknown): string | undefined => tagOf(stored as Shaped),
  };

  readonly #pods = new Table<Pod>(
    {
    name: { keys: (p) => [nameKey('Pod', p.metadata.namespace, p.metadata.name)] },
    namespace: { keys: (p) => [p.metadata.namespace ?? ''] },
    owner: { keys: ownerKeys },
    node: { keys: (p) => (p.spec.nodeName ? [p.spec.nodeName] : []) },
    },
    this.#shapedForm,
  );
  readonly #workloads = new Table<Workload>(
    {
      name: { keys: (w) => [nameKey(w.kind, w.metadata.namespace, w.metadata.name)] },
      namespace: { keys: (w) => [w.metadata.namespace ?? ''] },
      owner: { keys: ownerKeys },
    },
    this.#shapedForm,
  );
  readonly #events = new Table<KubeEvent>({
    uid: { keys: (e) => (e.involvedObject.uid ? [e.involvedObject.uid] : []) },
    name: { keys: (e) => [involvedKey(e.involvedObject.kind, e.involvedObject.namespace, e.involvedObject.name)] },
  });
  readonly #nodes = new Table<Node>({ name: { keys: (n) => [n.metadata.name] } });
  readonly #quotas = new Table<ResourceQuota>({ namespace: { keys: (q) => [q.metadata.namespace ?? ''] } });
  readonly #pvcs = new Table<PersistentVolumeClaim>({ name: { keys: (p) => [nameKey('PersistentVolumeClaim', p.metadata.namespace, p.metadata.name)] } });
  readonly #namespaceObjects = new Table<CachedNamespace>({ name: { keys: (n) => [n.metadata.name] } });

  constructor(factory: ListerWatcherFactory, options: ClusterCacheOptions = {}) {
    this.#factory = factory;
    this.#options = options;
    this.namespaces = [...new Set(options.namespaces ?? [])];
    this.resources = options.resources ?? RESOURCE_NAMES;
  }

  /** One (resource, namespace) pair per informer: one per resource type cluster-wide, or per watched namespace. */
  scopes(): { resource: ResourceName; namespace?: string }[] {
    return this.resources.flatMap((resource) =>
      RESOURCES[resource].namespaced && this.namespaces.length > 0 ? this.namespaces.map((namespace) => ({ resource, namespace })) : [{ resource }],
    );
  }

  /** Starts one informer per scope (idempotent). */
  start(): void {
    if (this.#informers.length > 0) return;
    for (const { resource, namespace } of this.scopes()) {
      const informer = new ResilientInformer<CachedObject>({
        source: this.#factory.listerWatcher(resource, namespace),
        // The lister hands over freshly decoded objects that nothing else holds: pool their strings.
        transform: (raw) => slimObject(resource, raw, this.#strings),
        keyOf: objectKey,
        resourceVersionOf: (o) => o.metadata.resourceVersion,
        // Only Events the engine can use, a bound per involved object (event-retention.ts).
        retention: resource === 'events' ? eventRetention(this.#options.now ?? Date.now, this.#options.eventRetention) : undefined,
        // The informer's store and the table hold the same shaped record (and so no Pod or workload object).
        ...(resource === 'pods' || WORKLOAD_RESOURCES.includes(resource) ? { store: this.#shapedForm } : {}),
        handler: {
          add: (o, stored) => this.#apply(resource, 'add', o, stored),
          update: (o, stored) => this.#apply(resource, 'update', o, stored),
          delete: (o) => this.#apply(resource, 'delete', o),
        },
        timings: this.#options.timings,
        onError: this.#options.onError,
        random: this.#options.random,
      });
      this.#informers.push({ resource, namespace, informer });
      informer.start();
    }
  }

  /** Resolves when every informer has listed once; rejects after `timeoutMs` with the first informer's last error. */
  async waitForSync(timeoutMs = 60_000): Promise<void> {
    await Promise.all(this.#informers.map(({ informer }) => informer.waitForSync(timeoutMs)));
  }

  /** Informers have all listed once, or loadOnce ran: a cache miss now means "does not exist". */
  get hasSynced(): boolean {
    return this.#loadedOnce || (this.#informers.length > 0 && this.#informers.every(({ informer }) => informer.hasSynced));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map(({ informer }) => informer.stop()));
  }

  /** Per informer: `pods` or `pods@shop` → its counters (LISTs, WATCHes, watchdog restarts, …). */
  informerStats(): Record<string, InformerStats> {
    return Object.fromEntries(this.#informers.map(({ resource, namespace, informer }) => [namespace ? `${resource}@${namespace}` : resource, informer.stats()]));
  }

  /**
   * Fills the cache with one LIST per scope and no watch: for one-shot callers (`podwhy why`).
   * Pods are listed first so an unreachable server or a missing `list pods` fails fast with one
   * request; the other types are listed in parallel and their failures are returned, not thrown.
   * Types only routing reads (Namespaces) are skipped unless `resources` named them.
   */
  async loadOnce(pageSize?: number): Promise<LoadFailure[]> {
    const scopes = this.scopes().filter((s) => this.#options.resources !== undefined || !ROUTING_ONLY_RESOURCES.includes(s.resource));
    const [first, ...rest] = [...scopes.filter((s) => s.resource === 'pods'), ...scopes.filter((s) => s.resource !== 'pods')];
    if (!first) return [];
    await this.#loadScope(first.resource, first.namespace, pageSize);
    const results = await Promise.allSettled(rest.map((s) => this.#loadScope(s.resource, s.namespace, pageSize)));
    this.#loadedOnce = true;
    const failures: LoadFailure[] = [];
    results.forEach((result, i) => {
      const scope = rest[i];
      if (result.status === 'rejected' && scope) failures.push({ ...scope, error: result.reason });
    });
    return failures;
  }

  async #loadScope(resource: ResourceName, namespace: string | undefined, pageSize?: number): Promise<void> {
    const { items } = await listAll(this.#factory.listerWatcher(resource, namespace), pageSize);
    this.#ingest(resource, items, this.#strings);
  }

  /** Adds or updates raw objects of one type (list or watch dialect), as an informer would. */
  ingest(resource: ResourceName, items: readonly unknown[]): void {
    this.#ingest(resource, items, undefined);
  }

  #ingest(resource: ResourceName, items: readonly unknown[], pool: StringPool | undefined): void {
    for (const raw of items) {
      const object = slimObject(resource, raw, pool);
      if (object) this.#apply(resource, this.#has(resource, object) ? 'update' : 'add', object);
    }
  }

  /**
   * Calls `listener` after each change the cache applies (informer add/update/delete, relist
   * reconciliation, ingest). Returns the unsubscribe function. A throwing listener does not stop
   * the others or the informer.
   */
  onChange(listener: (change: CacheChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #apply(resource: ResourceName, type: CacheChangeType, object: CachedObject, stored?: unknown): void {
    if (type === 'delete') this.#remove(resource, object);
    else this.#upsert(resource, object, stored);
    for (const listener of this.#listeners) {
      try {
        listener({ resource, type, object });
      } catch (error) {
        this.#options.onError?.(error, { phase: 'handler', retryInMs: 0, source: resource });
      }
    }
  }

  #has(resource: ResourceName, object: CachedObject): boolean {
    const key = objectKey(object);
    switch (resource) {
      case 'pods':
        return this.#pods.has(key);
      case 'events':
        return this.#events.has(key);
      case 'nodes':
        return this.#nodes.has(key);
      case 'resourcequotas':
        return this.#quotas.has(key);
      case 'persistentvolumeclaims':
        return this.#pvcs.has(key);
      case 'namespaces':
        return this.#namespaceObjects.has(key);
      default:
        return this.#workloads.has(key);
    }
  }

  /** True when Pods of `namespace` are watched (cluster-wide or listed in `namespaces`). */
  watchesNamespace(namespace: string): boolean {
    return this.resources.includes('pods') && (this.namespaces.length === 0 || this.namespaces.includes(namespace));
  }

  #upsert(resource: ResourceName, object: CachedObject, stored: unknown): void {
    const key = objectKey(object);
    switch (resource) {
      case 'pods':
        this.#pods.upsert(key, object as unknown as Pod, stored);
        break;
      case 'events':
        this.#events.upsert(key, object as unknown as KubeEvent);
        break;
      case 'nodes':
        this.#nodes.upsert(key, object as unknown as Node);
        this.#nodesArray = undefined;
        break;
      case 'resourcequotas':
        this.#quotas.upsert(key, object as unknown as ResourceQuota);
        break;
      case 'persistentvolumeclaims':
        this.#pvcs.upsert(key, object as unknown as PersistentVolumeClaim);
        break;
      case 'namespaces':
        this.#namespaceObjects.upsert(key, object as unknown as CachedNamespace);
        break;
      default:
        if (WORKLOAD_RESOURCES.includes(resource)) this.#workloads.upsert(key, object as unknown as Workload);
    }
  }

  #remove(resource: ResourceName, object: CachedObject): void {
    const key = objectKey(object);
    switch (resource) {
      case 'pods':
        this.#pods.remove(key);
        break;
      case 'events':
        this.#events.remove(key);
        break;
      case 'nodes':
        this.#nodes.remove(key);
        this.#nodesArray = undefined;
        break;
      case 'resourcequotas':
        this.#quotas.remove(key);
        break;
      case 'persistentvolumeclaims':
        this.#pvcs.remove(key);
        break;
      case 'namespaces':
        this.#namespaceObjects.remove(key);
        break;
      default:
        if (WORKLOAD_RESOURCES.includes(resource)) this.#workloads.remove(key);
    }
  }

  // ---- getters -------------------------------------------------------------------------------

  pod(uid: string): Pod | undefined {
    return this.#pods.get(uid);
  }

  podByName(namespace: string, name: string): Pod | undefined {
    return this.#pods.newest('name', nameKey('Pod', namespace, name));
  }

  /** Pods of one namespace, or all Pods. */
  pods(namespace?: string): Pod[] {
    return namespace === undefined ? this.#pods.values() : this.#pods.lookup('namespace', namespace);
  }

  /** Every Pod, rebuilt one at a time (pods() builds them all at once: at 150,000 Pods, ~300 MB for a moment). */
  eachPod(): Iterable<Pod> {
    return this.#pods.iterate();
  }

  /** Every workload, rebuilt one at a time. */
  eachWorkload(): Iterable<Workload> {
    return this.#workloads.iterate();
  }

  /** Namespaces that hold a cached Pod or workload, sorted (from the indexes: no object is rebuilt). */
  objectNamespaces(): string[] {
    return [...new Set([...this.#pods.indexKeys('namespace'), ...this.#workloads.indexKeys('namespace')])].filter((n) => n !== '').sort();
  }

  /** Pods whose ownerReferences name `ownerUid`. */
  podsOwnedBy(ownerUid: string): Pod[] {
    return this.#pods.lookup('owner', ownerUid);
  }

  /** Pods of a workload, through intermediate owners (Deployment → ReplicaSet → Pod, CronJob → Job → Pod). */
  podsOfWorkload(uid: string): Pod[] {
    const pods = new Map<string, Pod>();
    const queue = [uid];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size < 1000) {
      const current = queue.shift() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      for (const pod of this.podsOwnedBy(current)) pods.set(objectKey(pod), pod);
      for (const child of this.workloadsOwnedBy(current)) if (child.metadata.uid) queue.push(child.metadata.uid);
    }
    return [...pods.values()];
  }

  podsOnNode(nodeName: string): Pod[] {
    return this.#pods.lookup('node', nodeName);
  }

  workload(uid: string): Workload | undefined {
    return this.#workloads.get(uid);
  }

  workloadByName(kind: string, namespace: string, name: string): Workload | undefined {
    return this.#workloads.newest('name', nameKey(kind, namespace, name));
  }

  workloads(namespace?: string): Workload[] {
    return namespace === undefined ? this.#workloads.values() : this.#workloads.lookup('namespace', namespace);
  }

  workloadsOwnedBy(ownerUid: string): Workload[] {
    return this.#workloads.lookup('owner', ownerUid);
  }

  node(name: string): Node | undefined {
    return this.#nodes.newest('name', name);
  }

  /** All nodes (the same array until a node changes). */
  nodes(): Node[] {
    this.#nodesArray ??= this.#nodes.values();
    return this.#nodesArray;
  }

  /**
   * Events about one object: by its uid, plus by name those that carry no uid or the same uid (as
   * snapshot.ts does). Node events are matched by name alone: the kubelet puts the node's name in
   * involvedObject.uid (snapshot.ts eventsFor).
   */
  eventsFor(kind: string, namespace: string | undefined, name: string, uid?: string): KubeEvent[] {
    if (kind === 'Node') return this.#events.lookup('name', involvedKey(kind, namespace, name));
    const byUid = uid ? this.#events.lookup('uid', uid) : [];
    const byName = this.#events.lookup('name', involvedKey(kind, namespace, name)).filter(
      (e) => !e.involvedObject.uid || !uid || e.involvedObject.uid === uid,
    );
    return [...new Set([...byUid, ...byName])];
  }

  /** Every event that may be about the object (by uid or by name, unfiltered): buildSnapshots applies its own matching rules. */
  #candidateEvents(kind: string, namespace: string | undefined, name: string, uid?: string): KubeEvent[] {
    const byUid = uid ? this.#events.lookup('uid', uid) : [];
    return [...byUid, ...this.#events.lookup('name', involvedKey(kind, namespace, name))];
  }

  quotas(namespace: string): ResourceQuota[] {
    return this.#quotas.lookup('namespace', namespace);
  }

  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.#pvcs.newest('name', nameKey('PersistentVolumeClaim', namespace, name));
  }

  /**
   * The names of the cluster's Namespaces, or null when this cache cannot tell: it runs no Namespace informer (not
   * among its types, or filled by loadOnce), or that informer has not listed them yet (a LIST refused by RBAC keeps
   * it so).
   */
  namespaceNames(): string[] | null {
    const informer = this.#informers.find((i) => i.resource === 'namespaces')?.informer;
    if (!informer?.hasSynced) return null;
    return this.#namespaceObjects.values().map((n) => n.metadata.name).sort();
  }

  /** The Namespace object (name, labels, annotations), when Namespaces are cached and it exists. */
  namespace(name: string): CachedNamespace | undefined {
    return this.#namespaceObjects.newest('name', name);
  }

  /** Owner chain, nearest first (by uid, else by kind/name in the same namespace), at most 5 deep. */
  ownerChain(meta: ObjectMeta): Workload[] {
    const chain: Workload[] = [];
    const seen = new Set<string>();
    let refs = meta.ownerReferences;
    while (refs && refs.length > 0 && chain.length < 5) {
      const ref = refs.find((r) => r.controller) ?? refs[0];
      if (!ref || seen.has(ref.uid)) break;
      seen.add(ref.uid);
      const owner = this.workload(ref.uid) ?? this.workloadByName(ref.kind, meta.namespace ?? '', ref.name);
      if (!owner) break;
      chain.push(owner);
      refs = owner.metadata.ownerReferences;
    }
    return chain;
  }

  /** Everything cached, as the engine's ObjectSet (e.g. for `buildSnapshots` over a whole namespace). */
  objectSet(): ObjectSet {
    return {
      pods: this.#pods.values(),
      events: this.#events.values(),
      nodes: this.nodes(),
      workloads: this.#workloads.values(),
      quotas: this.#quotas.values(),
      pvcs: this.#pvcs.values(),
    };
  }

  /**
   * The slice of the cache one Pod's snapshot needs: the Pod, its events, its owner chain and the
   * owning Deployment's other ReplicaSets (for the rollout context), its node and the node's
   * events, its PVCs and their events, the namespace's quotas, and all nodes (for scheduling
   * analysis). Events are a superset (by uid and by name); buildSnapshots picks as it does for a dump.
   * Cost: O(the Pod's events + its owners' events + revisions), plus a shared reference to nodes.
   */
  podObjectSet(pod: Pod): ObjectSet {
    const { namespace, name, uid } = pod.metadata;
    const set = emptyObjectSet();
    set.pods.push(pod);
    const owners = this.ownerChain(pod.metadata);
    set.workloads.push(...this.#withRevisions(owners));
    const events = new Set(this.#candidateEvents('Pod', namespace, name, uid));
    for (const owner of owners) for (const e of this.#candidateEvents(owner.kind, namespace, owner.metadata.name, owner.metadata.uid)) events.add(e);
    const node = pod.spec.nodeName ? this.node(pod.spec.nodeName) : undefined;
    if (node) for (const e of this.#candidateEvents('Node', undefined, node.metadata.name, node.metadata.uid)) events.add(e);
    for (const volume of pod.spec.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      const pvc = claim ? this.pvc(namespace ?? '', claim) : undefined;
      if (!pvc) continue;
      set.pvcs.push(pvc);
      // ProvisioningFailed / FailedBinding are recorded on the claim.
      for (const e of this.#candidateEvents('PersistentVolumeClaim', namespace, pvc.metadata.name, pvc.metadata.uid)) events.add(e);
    }
    set.events = [...events];
    set.nodes = this.nodes();
    set.quotas = this.quotas(namespace ?? '');
    return set;
  }

  /** The slice for a pod-less workload's snapshot (quota or admission FailedCreate). */
  workloadObjectSet(workload: Workload): ObjectSet {
    const { namespace } = workload.metadata;
    const set = emptyObjectSet();
    const owners = this.ownerChain(workload.metadata);
    set.workloads.push(...this.#withRevisions([workload, ...owners]));
    const events = new Set<KubeEvent>();
    for (const w of [workload, ...owners]) for (const e of this.#candidateEvents(w.kind, namespace, w.metadata.name, w.metadata.uid)) events.add(e);
    set.events = [...events];
    set.nodes = this.nodes();
    set.quotas = this.quotas(namespace ?? '');
    return set;
  }

  /** Adds a Deployment's ReplicaSets to a chain that contains it, so rolloutContext can find the previous revision. */
  #withRevisions(chain: readonly Workload[]): Workload[] {
    const out = new Map<string, Workload>(chain.map((w) => [objectKey(w), w]));
    for (const w of chain) {
      if (w.kind !== 'Deployment' || !w.metadata.uid) continue;
      for (const rs of this.workloadsOwnedBy(w.metadata.uid)) out.set(objectKey(rs), rs);
    }
    return [...out.values()];
  }
}
