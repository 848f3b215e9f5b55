/**
 * In-memory object storage with the semantics of kube-apiserver's registry over etcd3: one global
 * resourceVersion counter, a bounded change history that watches and paged lists are served from
 * (too old → 410 Expired), graceful deletion for Pods, finalizers, and a small garbage collector for
 * ownerReferences and namespace deletion.
 *
 * Everything the store hands out (get, list, change events) is a deep-frozen snapshot: clone it
 * (`structuredClone(obj)`) before editing and pass the clone to `update`.
 *
 * Two write paths:
 * - direct calls (`create`, `update`) are the test's or the simulator's back door: they keep the
 *   uid, creationTimestamp and deletionTimestamp you give them, like restoring etcd from a backup;
 * - `apiMode: true` (what the HTTP server passes) applies the registry rules a client sees: system
 *   fields reset on create, status and spec split between the main resource and /status, no new
 *   finalizers on an object being deleted, optimistic concurrency on resourceVersion.
 *
 * Deletion follows the generic registry store:
 * source: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go
 *   (Delete, updateForGracefulDeletionAndFinalizers, DefaultShouldDeleteDuringUpdate)
 * source: staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go (BeforeDelete)
 * source: pkg/registry/core/pod/strategy.go (CheckGracefulDelete: no node or terminal phase → 0)
 */
import { randomUUID } from 'node:crypto';
import { applyPatch, toPatchType, type JsonValue, type PatchTypeName } from './patch.ts';
import { apiVersionOf, resourceForKind, resourceInfo, type ResourceInfo } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import {
  alreadyExists,
  conflict,
  expired,
  goStringSlice,
  INCONSISTENT_CONTINUE,
  invalid,
  notFound,
  OPTIMISTIC_LOCK_ERROR_MSG,
  resourceVersionPreconditionFailed,
  tooOldResourceVersion,
  uidPreconditionFailed,
  badRequest,
} from './status.ts';

export interface SimOwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface SimObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: SimOwnerReference[];
  [key: string]: unknown;
}

/** A Kubernetes object as plain JSON (timestamps are RFC 3339 strings). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: SimObjectMeta;
  [key: string]: unknown;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreChange {
  type: ChangeType;
  resource: string;
  /** The new state; for DELETED the last state, carrying the deletion's resourceVersion (as etcd3 watch does). */
  object: KubeObject;
  /** The state before this change (absent for ADDED). */
  previous?: KubeObject;
  resourceVersion: number;
}

export type StoreListener = (change: StoreChange) => void;

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  /** Deprecated form of propagationPolicy (true = Orphan, false = Background). */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** The object as it is now: the Terminating object if kept, the last state if removed. */
  object: KubeObject;
  /** True when the object is gone from storage. */
  deleted: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface PageOptions extends ListOptions {
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ContainerLogs {
  current: string[];
  previous: string[];
}

export interface ObjectStoreOptions {
  /** The clock used for creationTimestamp, deletionTimestamp and grace periods. */
  now?: () => Date;
  /** How many changes the watch history keeps (etcd keeps ~5 min); older watch RVs get 410. Default 10000. */
  historyLimit?: number;
  /** Run the ownerReference / namespace garbage collector (kube-controller-manager's job). Default true. */
  garbageCollector?: boolean;
  /** First resourceVersion handed out minus one. Default 1000 (small numbers look odd in fixtures). */
  initialResourceVersion?: number;
}

export interface WriteOptions {
  /** Plural resource name; inferred from apiVersion + kind when absent. */
  resource?: string;
  /** Apply the registry's client-facing rules (see the file comment). */
  apiMode?: boolean;
  subresource?: 'status';
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

const FOREGROUND_FINALIZER = 'foregroundDeletion';
// source: pkg/apis/core/types.go FinalizerKubernetes
const NAMESPACE_FINALIZER = 'kubernetes';
const GENERATED_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function keyOf(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${namespace ?? ''}/${name}` : name;
}

export class ObjectStore {
  readonly now: () => Date;
  private rv: number;
  private compactedRv: number;
  private readonly historyLimit: number;
  private readonly gcEnabled: boolean;
  private history: StoreChange[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<StoreListener>();
  private readonly logs = new Map<string, ContainerLogs>();
  private readonly logListeners = new Set<(ns: string, pod: string, container: string) => void>();
  // Indexes so that lists, paging and the garbage collector stay cheap with 100k+ objects.
  private readonly sortedCache = new Map<string, [string, KubeObject][]>();
  private readonly uidIndex = new Map<string, string>();
  private readonly ownerIndex = new Map<string, Set<string>>();
  private readonly namespaceCounts = new Map<string, number>();
  private readonly pendingOwners = new Set<string>();
  /** Past snapshots rebuilt for paged lists; immutable, so cached (a few, most recent last). */
  private readonly snapshotCache = new Map<string, [string, KubeObject][]>();

  constructor(options: ObjectStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.historyLimit = options.historyLimit ?? 10_000;
    this.gcEnabled = options.garbageCollector ?? true;
    this.rv = options.initialResourceVersion ?? 1000;
    this.compactedRv = this.rv;
  }

  /** The current (latest) resourceVersion, as a list would report it. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** The newest resourceVersion a watch can no longer start from (everything up to it is compacted). */
  get compactedResourceVersion(): string {
    return String(this.compactedRv);
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.objects.get(resource);
    if (b === undefined) {
      b = new Map();
      this.objects.set(resource, b);
    }
    return b;
  }

  /** Stores an object under its key and keeps the indexes in step. */
  private put(r: ResourceInfo, obj: KubeObject, previous: KubeObject | undefined): void {
    const key = keyOf(r, obj.metadata.namespace, obj.metadata.name ?? '');
    const ref = `${r.resource}\u0000${key}`;
    this.bucket(r.resource).set(key, obj);
    this.sortedCache.delete(r.resource);
    if (previous !== undefined) this.unindex(ref, previous);
    else if (r.namespaced) this.namespaceCounts.set(obj.metadata.namespace ?? '', (this.namespaceCounts.get(obj.metadata.namespace ?? '') ?? 0) + 1);
    if (obj.metadata.uid !== undefined) this.uidIndex.set(obj.metadata.uid, ref);
    for (const owner of obj.metadata.ownerReferences ?? []) {
      let set = this.ownerIndex.get(owner.uid);
      if (set === undefined) {
        set = new Set();
        this.ownerIndex.set(owner.uid, set);
      }
      set.add(ref);
    }
    const pending = obj.metadata.deletionTimestamp !== undefined && (r.resource === 'namespaces' || (obj.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER));
    if (pending) this.pendingOwners.add(ref);
    else this.pendingOwners.delete(ref);
  }

  private drop(r: ResourceInfo, obj: KubeObject): void {
    const key = keyOf(r, obj.metadata.namespace, obj.metadata.name ?? '');
    const ref = `${r.resource}\u0000${key}`;
    this.bucket(r.resource).delete(key);
    this.sortedCache.delete(r.resource);
    this.unindex(ref, obj);
    this.pendingOwners.delete(ref);
    if (r.namespaced) {
      const ns = obj.metadata.namespace ?? '';
      const left = (this.namespaceCounts.get(ns) ?? 1) - 1;
      if (left <= 0) this.namespaceCounts.delete(ns);
      else this.namespaceCounts.set(ns, left);
    }
  }

  private unindex(ref: string, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (uid !== undefined && this.uidIndex.get(uid) === ref) this.uidIndex.delete(uid);
    for (const owner of obj.metadata.ownerReferences ?? []) {
      const set = this.ownerIndex.get(owner.uid);
      set?.delete(ref);
      if (set?.size === 0) this.ownerIndex.delete(owner.uid);
    }
  }

  private resolve(ref: string): [ResourceInfo, KubeObject] | undefined {
    const sep = ref.indexOf('\u0000');
    const resource = ref.slice(0, sep);
    const obj = this.objects.get(resource)?.get(ref.slice(sep + 1));
    return obj === undefined ? undefined : [resourceInfo(resource), obj];
  }

  /** Live objects of a resource sorted by key, cached until the next write to that resource. */
  private sortedLive(resource: string): [string, KubeObject][] {
    let sorted = this.sortedCache.get(resource);
    if (sorted === undefined) {
      sorted = [...(this.objects.get(resource)?.entries() ?? [])].sort(byKey);
      this.sortedCache.set(resource, sorted);
    }
    return sorted;
  }

  private infoFor(obj: KubeObject, resource: string | undefined): ResourceInfo {
    if (resource !== undefined) return resourceInfo(resource);
    const found = resourceForKind(obj.apiVersion, obj.kind);
    if (found === undefined) {
      throw new Error(`sim: cannot tell the resource of apiVersion=${String(obj.apiVersion)} kind=${String(obj.kind)}; pass { resource }`);
    }
    return found;
  }

  private emit(change: StoreChange): void {
    deepFreeze(change);
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const drop = this.history.length - this.historyLimit;
      const last = this.history[drop - 1];
      if (last !== undefined) this.compactedRv = last.resourceVersion;
      this.history = this.history.slice(drop);
    }
    for (const listener of [...this.listeners]) listener(change);
  }

  /** Listen to every change, in resourceVersion order. Returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The changes after `resourceVersion`, for a watch resuming from it. Throws 410 Expired (the
   * watch cache's "too old resource version") when the history no longer reaches back that far.
   */
  changesSince(resourceVersion: number): StoreChange[] {
    if (resourceVersion < this.compactedRv) throw tooOldResourceVersion(resourceVersion, this.compactedRv);
    const first = this.history.findIndex((c) => c.resourceVersion > resourceVersion);
    return first === -1 ? [] : this.history.slice(first);
  }

  /** Forget the change history: a watch or continue token from any earlier resourceVersion now gets 410. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
    this.snapshotCache.clear();
  }

  // ---------- reads ----------

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const r = resourceInfo(resource);
    return this.objects.get(resource)?.get(keyOf(r, namespace, name));
  }

  /** Objects of a resource, sorted by storage key (namespace/name), filtered by namespace and selectors. */
  list(resource: string, options: ListOptions = {}): ListResult {
    const r = resourceInfo(resource);
    const { items } = this.select(r, this.sortedLive(resource), options, '', Infinity);
    return { items, resourceVersion: String(this.rv) };
  }

  /**
   * Walks sorted entries from `startKey`, keeping those in the namespace (a contiguous key range)
   * that match the selectors, until `limit` are found.
   */
  private select(
    r: ResourceInfo,
    sorted: [string, KubeObject][],
    options: ListOptions,
    startKey: string,
    limit: number,
  ): { items: KubeObject[]; nextKey?: string; remaining?: number } {
    const labelMatch = parseLabelSelector(options.labelSelector);
    const fieldMatch = parseFieldSelector(options.fieldSelector, r);
    const filtered = !!(options.labelSelector || options.fieldSelector);
    let lo = 0;
    let hi = sorted.length;
    if (r.namespaced && options.namespace) {
      // Keys are "namespace/name" and neither part contains "/", so a namespace is the range ["ns/", "ns0").
      lo = lowerBound(sorted, `${options.namespace}/`);
      hi = lowerBound(sorted, `${options.namespace}0`);
    }
    let i = Math.max(lo, startKey === '' ? lo : lowerBound(sorted, startKey));
    const items: KubeObject[] = [];
    for (; i < hi; i++) {
      const [key, obj] = sorted[i] as [string, KubeObject];
      if (filtered && !(labelMatch(obj.metadata.labels) && fieldMatch(obj))) continue;
      if (items.length === limit) {
        const out: { items: KubeObject[]; nextKey?: string; remaining?: number } = { items, nextKey: key };
        if (!filtered) out.remaining = hi - i;
        return out;
      }
      items.push(obj);
    }
    return { items };
  }

  /**
   * A LIST page with limit/continue. Pages after the first are served from the snapshot at the
   * first page's resourceVersion, rebuilt from the change history; once that history is compacted
   * the token is too old (410 with a token that continues at the latest version).
   * source: staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go (GetList) and errors.go
   */
  listPage(resource: string, options: PageOptions = {}): ListResult {
    const r = resourceInfo(resource);
    let snapshotRv = this.rv;
    let startKey = '';
    if (options.continue) {
      const token = decodeContinue(options.continue);
      startKey = token.start;
      if (token.rv === -1) {
        snapshotRv = this.rv;
      } else if (token.rv < this.compactedRv) {
        throw expired(INCONSISTENT_CONTINUE, encodeContinue({ v: 'meta.k8s.io/v1', rv: -1, start: token.start }));
      } else {
        snapshotRv = token.rv;
      }
    }
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const page = this.select(r, this.sortedAt(resource, snapshotRv), options, startKey, limit);
    const result: ListResult = { items: page.items, resourceVersion: String(snapshotRv) };
    if (page.nextKey !== undefined) {
      result.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: snapshotRv, start: page.nextKey });
      // source: etcd3/store.go — remainingItemCount is only set when there is no selector
      if (page.remaining !== undefined) result.remainingItemCount = page.remaining;
    }
    return result;
  }

  /** The sorted objects of one resource as they were at `rv` (rv must be within the history window). */
  private sortedAt(resource: string, rv: number): [string, KubeObject][] {
    let changed = false;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const change = this.history[i] as StoreChange;
      if (change.resourceVersion <= rv) break;
      if (change.resource === resource) {
        changed = true;
        break;
      }
    }
    if (!changed) return this.sortedLive(resource);
    const cacheKey = `${resource}@${rv}`;
    const cached = this.snapshotCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const r = resourceInfo(resource);
    const state = new Map(this.objects.get(resource) ?? []);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const change = this.history[i] as StoreChange;
      if (change.resourceVersion <= rv) break;
      if (change.resource !== resource) continue;
      const key = keyOf(r, change.object.metadata.namespace, change.object.metadata.name ?? '');
      if (change.type === 'ADDED') state.delete(key);
      else if (change.previous !== undefined) state.set(key, change.previous);
    }
    const sorted = [...state.entries()].sort(byKey);
    this.snapshotCache.set(cacheKey, sorted);
    if (this.snapshotCache.size > 4) this.snapshotCache.delete(this.snapshotCache.keys().next().value as string);
    return sorted;
  }

  // ---------- writes ----------

  private nextRv(): number {
    this.rv += 1;
    return this.rv;
  }

  private timestamp(offsetSeconds = 0): string {
    return rfc3339(new Date(this.now().getTime() + offsetSeconds * 1000));
  }

  /** Creates an object. Throws 409 AlreadyExists, or 422 when it has neither name nor generateName. */
  create(input: KubeObject, options: WriteOptions = {}): KubeObject {
    const r = this.infoFor(input, options.resource);
    const obj = structuredClone(input) as KubeObject;
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    obj.metadata = obj.metadata ?? {};
    const meta = obj.metadata;
    if (!meta.name) {
      if (!meta.generateName) {
        // source: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMetaAccessor)
        throw invalid(r.kind, r.group, '', [
          { field: 'metadata.name', type: 'FieldValueRequired', body: 'Required value: name or generateName is required' },
        ]);
      }
      meta.name = meta.generateName + randomSuffix();
    }
    if (r.namespaced) meta.namespace = meta.namespace || 'default';
    else delete meta.namespace;
    const key = keyOf(r, meta.namespace, meta.name);
    if (this.bucket(r.resource).has(key)) throw alreadyExists(r.resource, r.group, meta.name);
    if (options.apiMode) {
      // source: staging/src/k8s.io/apiserver/pkg/registry/rest/meta.go (FillObjectMetaSystemFields)
      meta.uid = randomUUID();
      meta.creationTimestamp = this.timestamp();
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    } else {
      meta.uid = meta.uid ?? randomUUID();
      meta.creationTimestamp = meta.creationTimestamp ?? this.timestamp();
    }
    if (hasGeneration(r) && (options.apiMode || meta.generation === undefined)) meta.generation = 1;
    if (r.resource === 'namespaces') {
      const status = (obj['status'] ?? {}) as Record<string, unknown>;
      obj['status'] = { ...status, phase: status['phase'] ?? 'Active' };
      const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
      obj['spec'] = { ...spec, finalizers: spec['finalizers'] ?? [NAMESPACE_FINALIZER] };
    }
    const rv = this.nextRv();
    meta.resourceVersion = String(rv);
    deepFreeze(obj);
    this.put(r, obj, undefined);
    this.emit({ type: 'ADDED', resource: r.resource, object: obj, resourceVersion: rv });
    return obj;
  }

  /** Creates the Namespace if it does not exist yet; returns it either way. */
  ensureNamespace(name: string): KubeObject {
    return this.get('namespaces', undefined, name) ?? this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /**
   * Replaces an object (PUT). A resourceVersion in the input must match the stored one (409 otherwise).
   * An update that changes nothing is a no-op: same resourceVersion, no watch event (as the apiserver).
   */
  update(input: KubeObject, options: WriteOptions = {}): KubeObject {
    const r = this.infoFor(input, options.resource);
    const name = input.metadata?.name ?? '';
    const namespace = r.namespaced ? input.metadata?.namespace || 'default' : undefined;
    const existing = this.get(r.resource, namespace, name);
    if (existing === undefined) throw notFound(r.resource, r.group, name);
    const wantRv = input.metadata.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== existing.metadata.resourceVersion) {
      throw conflict(r.resource, r.group, name, OPTIMISTIC_LOCK_ERROR_MSG);
    }
    if (input.metadata.uid !== undefined && input.metadata.uid !== '' && input.metadata.uid !== existing.metadata.uid) {
      // source: staging/src/k8s.io/apiserver/pkg/storage/errors.go (StorageError.Error) + interfaces.go (Preconditions.Check)
      throw conflict(
        r.resource,
        r.group,
        name,
        `StorageError: invalid object, Code: 4, Key: /registry/${r.resource}/${r.namespaced ? `${namespace}/` : ''}${name}, ` +
          `ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${String(existing.metadata.uid)}`,
      );
    }
    return this.write(r, existing, structuredClone(input) as KubeObject, options);
  }

  /**
   * PATCH with one of the three patch content types (or 'json' | 'merge' | 'strategic'). A patch that
   * sets metadata.resourceVersion is an optimistic-concurrency check, as with PUT. Always applies the
   * client-facing (apiMode) rules.
   */
  patch(
    resource: string,
    namespace: string | undefined,
    name: string,
    patchType: PatchTypeName,
    body: unknown,
    options: Omit<WriteOptions, 'resource'> = {},
  ): KubeObject {
    const r = resourceInfo(resource);
    const existing = this.get(resource, namespace, name);
    if (existing === undefined) throw notFound(r.resource, r.group, name);
    const patched = applyPatch(structuredClone(existing) as unknown as { [k: string]: JsonValue }, toPatchType(patchType), body) as unknown as KubeObject;
    if (typeof patched.metadata !== 'object' || patched.metadata === null) patched.metadata = {};
    if (patched.metadata.resourceVersion !== existing.metadata.resourceVersion && patched.metadata.resourceVersion !== undefined) {
      throw conflict(r.resource, r.group, name, OPTIMISTIC_LOCK_ERROR_MSG);
    }
    patched.metadata.name = existing.metadata.name;
    if (r.namespaced) patched.metadata.namespace = existing.metadata.namespace;
    return this.write(r, existing, patched, { apiMode: true, ...options });
  }

  /** Applies the registry's update rules, stores the result and emits MODIFIED (or DELETED). */
  private write(r: ResourceInfo, existing: KubeObject, next: KubeObject, options: WriteOptions): KubeObject {
    next.apiVersion = apiVersionOf(r);
    next.kind = r.kind;
    const meta = next.metadata;
    const old = existing.metadata;
    meta.name = old.name;
    if (r.namespaced) meta.namespace = old.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (options.apiMode) {
      // deletionTimestamp and its grace period are only ever set by DELETE.
      setOrDelete(meta, 'deletionTimestamp', old.deletionTimestamp);
      setOrDelete(meta, 'deletionGracePeriodSeconds', old.deletionGracePeriodSeconds);
      if (r.subresources.includes('status')) {
        if (options.subresource === 'status') {
          // source: e.g. pkg/registry/core/pod/strategy.go podStatusStrategy.PrepareForUpdate — only status changes
          const status = next['status'];
          const keep = structuredClone(existing) as KubeObject;
          setOrDelete(keep as Record<string, unknown>, 'status', status);
          keep.metadata.resourceVersion = meta.resourceVersion;
          return this.write(r, existing, keep, { ...options, subresource: undefined, apiMode: false });
        }
        setOrDelete(next as Record<string, unknown>, 'status', existing['status']);
      }
      if (old.deletionTimestamp !== undefined) {
        const added = [...new Set(meta.finalizers ?? [])].filter((f) => !(old.finalizers ?? []).includes(f)).sort();
        if (added.length > 0) {
          // source: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateNoNewFinalizers)
          throw invalid(r.kind, r.group, old.name ?? '', [
            {
              field: 'metadata.finalizers',
              type: 'FieldValueForbidden',
              body: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
            },
          ]);
        }
      }
    }
    if (meta.finalizers !== undefined && meta.finalizers.length === 0) delete meta.finalizers;
    meta.resourceVersion = old.resourceVersion;
    const explicitGeneration = !options.apiMode && meta.generation !== undefined && meta.generation !== old.generation;
    if (hasGeneration(r) && !explicitGeneration) {
      meta.generation = old.generation ?? 1;
      if (!deepEqual(next['spec'], existing['spec'])) meta.generation = (old.generation ?? 1) + 1;
    }
    if (deepEqual(next, existing)) return existing;
    const rv = this.nextRv();
    meta.resourceVersion = String(rv);
    deepFreeze(next);
    this.put(r, next, existing);
    this.emit({ type: 'MODIFIED', resource: r.resource, object: next, previous: existing, resourceVersion: rv });
    if (shouldDeleteDuringUpdate(next)) return this.remove(r, next).object;
    return next;
  }

  /**
   * DELETE, with the registry's graceful-deletion and finalizer rules:
   * - preconditions (uid, resourceVersion) are checked first → 409;
   * - a Pod bound to a node with a grace period > 0 gets deletionTimestamp = now + grace and stays
   *   until the kubelet (the simulator, a test, or `finalizeDeletion`) deletes it again with grace 0;
   *   a later DELETE may only shorten the grace period;
   * - an object with finalizers stays Terminating (deletionTimestamp set) until they are all removed;
   * - otherwise it is removed at once. propagationPolicy decides what happens to its dependents.
   */
  delete(resource: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): DeleteResult {
    const r = resourceInfo(resource);
    const existing = this.get(resource, namespace, name);
    if (existing === undefined) throw notFound(r.resource, r.group, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== existing.metadata.uid) {
      throw uidPreconditionFailed(r.kind, r.group, name, pre.uid, String(existing.metadata.uid ?? ''));
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw resourceVersionPreconditionFailed(r.kind, r.group, name, pre.resourceVersion, String(existing.metadata.resourceVersion ?? ''));
    }
    const policy = propagationOf(options);

    const next = structuredClone(existing) as KubeObject;
    const meta = next.metadata;
    let graceful = false;
    if (r.resource === 'pods') {
      if (meta.deletionTimestamp !== undefined) {
        const current = meta.deletionGracePeriodSeconds;
        if (current !== undefined && current !== 0) {
          if (options.gracePeriodSeconds === undefined || options.gracePeriodSeconds >= current) {
            return { object: existing, deleted: false }; // graceful deletion already pending
          }
          const shortened = Math.max(options.gracePeriodSeconds, 0);
          const start = Date.parse(meta.deletionTimestamp) - current * 1000;
          meta.deletionTimestamp = rfc3339(new Date(start + shortened * 1000));
          meta.deletionGracePeriodSeconds = shortened;
          graceful = true;
        }
      } else {
        const spec = (next['spec'] ?? {}) as Record<string, unknown>;
        const status = (next['status'] ?? {}) as Record<string, unknown>;
        let period = options.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
        if (!spec['nodeName']) period = 0;
        if (status['phase'] === 'Failed' || status['phase'] === 'Succeeded') period = 0;
        if (period < 0) period = 1;
        meta.deletionTimestamp = this.timestamp(period);
        meta.deletionGracePeriodSeconds = period;
        graceful = true;
      }
    }

    if (policy === 'Orphan') this.orphanDependents(existing);
    if (policy === 'Foreground' && this.gcEnabled && this.dependentsOf(existing).length > 0) {
      if (meta.deletionTimestamp === undefined && !(meta.finalizers ?? []).includes(FOREGROUND_FINALIZER)) {
        meta.finalizers = [...(meta.finalizers ?? []), FOREGROUND_FINALIZER];
      }
    }
    if (r.resource === 'namespaces' && this.gcEnabled) {
      const status = (next['status'] ?? {}) as Record<string, unknown>;
      next['status'] = { ...status, phase: 'Terminating' };
    }
    const pendingFinalizers = (meta.finalizers ?? []).length > 0 || this.namespaceHasContent(r, existing);
    if (!graceful && pendingFinalizers && meta.deletionTimestamp === undefined) {
      // source: registry/store.go markAsDeleting — deletionTimestamp = now, grace 0
      meta.deletionTimestamp = this.timestamp();
      meta.deletionGracePeriodSeconds = 0;
    }

    let current = existing;
    if (graceful || pendingFinalizers) {
      current = this.storeModified(r, existing, next);
      if (policy === 'Foreground' || r.resource === 'namespaces') this.collectDependents(current);
      const stillThere = this.get(resource, namespace, name);
      if (stillThere === undefined) return { object: current, deleted: true };
      current = stillThere;
      if (pendingFinalizers && (current.metadata.finalizers ?? []).length > 0) return { object: current, deleted: false };
      if (this.namespaceHasContent(r, current)) return { object: current, deleted: false };
      if (graceful && (current.metadata.deletionGracePeriodSeconds ?? 0) > 0) return { object: current, deleted: false };
    }
    return this.remove(r, current, policy);
  }

  /** What the kubelet does once a Pod's containers are gone: delete with grace period 0. */
  finalizeDeletion(resource: string, namespace: string | undefined, name: string): DeleteResult {
    return this.delete(resource, namespace, name, { gracePeriodSeconds: 0 });
  }

  private storeModified(r: ResourceInfo, existing: KubeObject, next: KubeObject): KubeObject {
    if (deepEqual(next, existing)) return existing;
    const rv = this.nextRv();
    next.metadata.resourceVersion = String(rv);
    deepFreeze(next);
    this.put(r, next, existing);
    this.emit({ type: 'MODIFIED', resource: r.resource, object: next, previous: existing, resourceVersion: rv });
    return next;
  }

  private remove(r: ResourceInfo, existing: KubeObject, policy: PropagationPolicy = 'Background'): DeleteResult {
    const key = keyOf(r, existing.metadata.namespace, existing.metadata.name ?? '');
    if (this.bucket(r.resource).get(key) !== existing) return { object: existing, deleted: true };
    this.drop(r, existing);
    const rv = this.nextRv();
    const last = structuredClone(existing) as KubeObject;
    last.metadata.resourceVersion = String(rv);
    deepFreeze(last);
    this.emit({ type: 'DELETED', resource: r.resource, object: last, previous: existing, resourceVersion: rv });
    for (const container of this.logs.keys()) {
      if (r.resource === 'pods' && container.startsWith(`${existing.metadata.namespace}/${existing.metadata.name}/`)) this.logs.delete(container);
    }
    if (this.gcEnabled) this.afterRemoval(existing, policy);
    return { object: last, deleted: true };
  }

  // ---------- garbage collection (kube-controller-manager's garbagecollector + namespace controller) ----------

  private dependentsOf(owner: KubeObject): [ResourceInfo, KubeObject][] {
    const uid = owner.metadata.uid;
    if (uid === undefined) return [];
    const out: [ResourceInfo, KubeObject][] = [];
    for (const ref of this.ownerIndex.get(uid) ?? []) {
      const found = this.resolve(ref);
      // Owner references only count within the owner's namespace (or from anywhere for a cluster-scoped owner).
      if (found !== undefined && (owner.metadata.namespace === undefined || found[1].metadata.namespace === owner.metadata.namespace)) out.push(found);
    }
    return out;
  }

  private namespaceContent(namespace: string): [ResourceInfo, KubeObject][] {
    const out: [ResourceInfo, KubeObject][] = [];
    for (const resource of this.objects.keys()) {
      const r = resourceInfo(resource);
      if (!r.namespaced) continue;
      out.push(...this.select(r, this.sortedLive(resource), { namespace }, '', Infinity).items.map((o): [ResourceInfo, KubeObject] => [r, o]));
    }
    return out;
  }

  private orphanDependents(owner: KubeObject): void {
    for (const [r, dep] of this.dependentsOf(owner)) {
      const next = structuredClone(dep) as KubeObject;
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== owner.metadata.uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      this.storeModified(r, dep, next);
    }
  }

  private collectDependents(owner: KubeObject): void {
    const targets = owner.kind === 'Namespace' ? this.namespaceContent(owner.metadata.name ?? '') : this.dependentsOf(owner);
    for (const [r, dep] of targets) {
      if (dep.metadata.deletionTimestamp !== undefined) continue;
      if (this.get(r.resource, dep.metadata.namespace, dep.metadata.name ?? '') === undefined) continue;
      this.delete(r.resource, dep.metadata.namespace, dep.metadata.name ?? '', { propagationPolicy: 'Background' });
    }
    this.settleOwners();
  }

  private afterRemoval(removed: KubeObject, policy: PropagationPolicy): void {
    if (policy === 'Background') {
      for (const [r, dep] of this.dependentsOf(removed)) {
        const otherOwnerAlive = (dep.metadata.ownerReferences ?? []).some((ref) => ref.uid !== removed.metadata.uid && this.uidIndex.has(ref.uid));
        if (otherOwnerAlive || dep.metadata.deletionTimestamp !== undefined) continue;
        if (this.get(r.resource, dep.metadata.namespace, dep.metadata.name ?? '') === undefined) continue;
        this.delete(r.resource, dep.metadata.namespace, dep.metadata.name ?? '', { propagationPolicy: 'Background' });
      }
    }
    this.settleOwners();
  }

  /** Finishes foreground deletions and namespace deletions whose dependents are all gone. */
  private settleOwners(): void {
    for (const ref of [...this.pendingOwners]) {
      const found = this.resolve(ref);
      if (found === undefined) {
        this.pendingOwners.delete(ref);
        continue;
      }
      const [r, o] = found;
      if ((o.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER) && this.dependentsOf(o).length === 0) {
        const next = structuredClone(o) as KubeObject;
        next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND_FINALIZER);
        this.write(r, o, next, {});
      } else if (r.resource === 'namespaces' && !this.namespaceHasContent(r, o) && (o.metadata.finalizers ?? []).length === 0) {
        this.remove(r, o);
      }
    }
  }

  private namespaceHasContent(r: ResourceInfo, ns: KubeObject): boolean {
    if (r.resource !== 'namespaces' || !this.gcEnabled) return false;
    return (this.namespaceCounts.get(ns.metadata.name ?? '') ?? 0) > 0;
  }

  // ---------- container logs (what the kubelet would serve) ----------

  /** Sets a container's log lines; only the kinds given are replaced. */
  setLogs(namespace: string, pod: string, container: string, logs: { current?: string[]; previous?: string[] }): void {
    const key = `${namespace}/${pod}/${container}`;
    const existing = this.logs.get(key) ?? { current: [], previous: [] };
    this.logs.set(key, {
      current: logs.current !== undefined ? [...logs.current] : existing.current,
      previous: logs.previous !== undefined ? [...logs.previous] : existing.previous,
    });
    for (const l of this.logListeners) l(namespace, pod, container);
  }

  /** Appends lines to a container's current log (followers of the log see them). */
  appendLogs(namespace: string, pod: string, container: string, lines: string[]): void {
    const existing = this.getLogs(namespace, pod, container);
    this.setLogs(namespace, pod, container, { current: [...existing.current, ...lines] });
  }

  getLogs(namespace: string, pod: string, container: string): ContainerLogs {
    const found = this.logs.get(`${namespace}/${pod}/${container}`);
    return { current: [...(found?.current ?? [])], previous: [...(found?.previous ?? [])] };
  }

  /** Notified when any container's logs change (used by `follow=true`). */
  onLogs(listener: (namespace: string, pod: string, container: string) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }
}

function byKey(a: [string, KubeObject], b: [string, KubeObject]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** First index whose key is >= `key` in a key-sorted array. */
function lowerBound(sorted: [string, KubeObject][], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as [string, KubeObject])[0] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function hasGeneration(r: ResourceInfo): boolean {
  return r.group === 'apps' || r.group === 'batch';
}

function setOrDelete(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = structuredClone(value);
}

function propagationOf(options: DeleteOptions): PropagationPolicy {
  if (options.propagationPolicy !== undefined) return options.propagationPolicy;
  if (options.orphanDependents === true) return 'Orphan';
  return 'Background';
}

/**
 * An update that empties the finalizers of an object already being deleted with no grace period left
 * removes it. source: registry/store.go DefaultShouldDeleteDuringUpdate
 */
function shouldDeleteDuringUpdate(obj: KubeObject): boolean {
  const meta = obj.metadata;
  if ((meta.finalizers ?? []).length > 0) return false;
  if (meta.deletionTimestamp === undefined) return false;
  return meta.deletionGracePeriodSeconds === undefined || meta.deletionGracePeriodSeconds === 0;
}

function randomSuffix(): string {
  // source: staging/src/k8s.io/apiserver/pkg/storage/names/generate.go (5 random alphanumerics, no vowels)
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATED_NAME_ALPHABET[Math.floor(Math.random() * GENERATED_NAME_ALPHABET.length)];
  return s;
}

function encodeContinue(token: ContinueToken): string {
  // source: staging/src/k8s.io/apiserver/pkg/storage/continue.go — base64.RawURLEncoding of the JSON token
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(raw: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad token');
    return { v: parsed.v, rv: parsed.rv, start: parsed.start };
  } catch {
    // source: staging/src/k8s.io/apiserver/pkg/storage/continue.go (ErrInvalidStartRV / "continue key is not valid")
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
