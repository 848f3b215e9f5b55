/**
 * Slimming: what the cache keeps of an object. slimObject normalizes (as normalize.ts does) and
 * drops what the engine never reads but costs memory, copy-on-write so that a freshly decoded
 * object is mostly kept as JSON.parse made it.
 */
import type { ObjectMeta } from '../contract/k8s.ts';
import { isRecord } from '../contract/is-record.ts';
import { RESOURCES, type ResourceName } from './resources.ts';
import { toCoreEvent } from './snapshot.ts';
import type { StringPool } from './string-pool.ts';

/** An object as the cache keeps it: normalized, slimmed, with kind and apiVersion set. */
export type CachedObject = Record<string, unknown> & { metadata: ObjectMeta };

/**
 * Values unique by construction: pooling them would only churn the pool. An object's own name
 * (metadata.name, at depth 1) is unique too; `name` elsewhere (containers, ports, env, owners)
 * repeats. Timestamps stay pooled: Pods created or started in the same second share them (on the
 * bench cluster, skipping creationTimestamp, startTime and startedAt cost 90 bytes per Pod).
 */
const UNIQUE_KEYS = new Set(['uid', 'resourceVersion', 'containerID', 'imageID', 'podIP', 'ip']);
/** Dropped from metadata.annotations: a full copy of the object as last applied (normalize.ts). */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/**
 * normalizeObject's rules (src/cluster/normalize.ts: Date → RFC 3339 string, `undefined` and
 * managedFields dropped at any depth, last-applied-configuration dropped from metadata
 * annotations, class instances → plain objects) applied copy-on-write: a subtree nothing changes
 * in is returned as is, not copied. A LIST or watch item is already plain JSON, so only the
 * objects on the path to managedFields (the item and its metadata) are new and the rest stays as
 * JSON.parse made it, compact. With a pool, strings are replaced by their pooled twin in place
 * (the value is the same; only who holds the memory changes).
 */
function slimValue(value: unknown, depth: number, pool: StringPool | undefined): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(value)) return slimArray(value, depth, pool);
  const source = value as Record<string, unknown>;
  const proto: unknown = Object.getPrototypeOf(source);
  if (proto !== Object.prototype && proto !== null) return slimEntries(source, Object.keys(source), 0, {}, depth, pool);
  // Most objects change in nothing but their strings' owners: walk them without copying their keys
  // or values (for-in over a JSON object allocates nothing), and start a copy only at the first
  // key that is dropped or whose value is replaced.
  for (const key in source) {
    const item = source[key];
    if (typeof item === 'string') {
      if (pool && !UNIQUE_KEYS.has(key) && !(depth === 1 && key === 'name')) source[key] = pool.intern(item);
      continue;
    }
    const dropped = item === undefined || key === 'managedFields';
    const slim = dropped ? undefined : slimmed(item, key, depth, pool);
    if (dropped || slim !== item) {
      const keys = Object.keys(source);
      const at = keys.indexOf(key);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < at; i++) out[keys[i] as string] = source[keys[i] as string];
      if (slim !== undefined) out[key] = slim;
      return slimEntries(source, keys, at + 1, out, depth, pool);
    }
  }
  return source;
}

/** `source[key]` slimmed (last-applied-configuration dropped from metadata annotations). */
function slimmed(item: unknown, key: string, depth: number, pool: StringPool | undefined): unknown {
  const slim = slimValue(item, depth + 1, pool);
  const annotations = depth <= 1 && key === 'annotations' && isRecord(slim) ? slim : undefined;
  if (annotations && DROPPED_ANNOTATIONS.some((a) => a in annotations)) {
    const kept = { ...annotations };
    for (const dropped of DROPPED_ANNOTATIONS) delete kept[dropped];
    return kept;
  }
  return slim;
}

/** `out` with `keys` of `source` from index `from` on added, slimmed (undefined values and managedFields dropped). */
function slimEntries(source: Record<string, unknown>, keys: readonly string[], from: number, out: Record<string, unknown>, depth: number, pool: StringPool | undefined): Record<string, unknown> {
  for (let i = from; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = source[key];
    if (item === undefined || key === 'managedFields') continue;
    const slim = typeof item === 'string' ? (pool && !UNIQUE_KEYS.has(key) && !(depth === 1 && key === 'name') ? pool.intern(item) : item) : slimmed(item, key, depth, pool);
    if (slim !== undefined) out[key] = slim;
  }
  return out;
}

function slimArray(array: unknown[], depth: number, pool: StringPool | undefined): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let slim: unknown;
    if (typeof item === 'string') {
      slim = pool ? pool.intern(item) : item;
      if (!out && pool) array[i] = slim;
    } else {
      slim = slimValue(item, depth + 1, pool);
      if (slim !== item && !out) out = array.slice(0, i);
    }
    if (out) out.push(slim);
  }
  return out ?? array;
}

/**
 * Normalizes one object of `resource` (Date → RFC 3339 string, managedFields and
 * last-applied-configuration dropped, as normalizeObject does) and projects it onto what podwhy
 * reads (PROJECTION below). Sets kind/apiVersion, which LIST items lack.
 * test/cluster/slim.test.ts proves, fixture by fixture, that the engine sees no difference.
 *
 * With `pool`, `raw`'s strings are swapped for pooled equal ones in place, and the parts of the
 * object that repeat across objects (a Pod's labels, owner references, tolerations, its containers'
 * specs, its volumes' sources; a workload's template) are replaced by one shared, frozen copy
 * (StringPool.share): pass a pool only for objects nobody else holds (a LIST page or watch event
 * just decoded). Objects from the cache must not be changed: parts of them are frozen and shared.
 */
export function slimObject(resource: ResourceName, raw: unknown, pool?: StringPool): CachedObject | null {
  if (!isRecord(raw) || !isRecord(raw.metadata) || typeof raw.metadata.name !== 'string') return null;
  const info = RESOURCES[resource];
  const object = { ...(slimValue(raw, 0, pool) as Record<string, unknown>), kind: info.kind, apiVersion: info.apiVersion } as unknown as CachedObject;
  switch (resource) {
    case 'pods':
      // Env values stay: detectors read some (oom reads JAVA_TOOL_OPTIONS' -Xmx); redaction is the renderers' job.
      object.metadata = projectMetadata(object.metadata, pool, POD_METADATA_DROPPED);
      {
        const spec = isRecord(object.spec) ? projectPodSpec(object.spec, pool) : {};
        if (!Array.isArray(spec.containers)) spec.containers = [];
        object.spec = spec;
      }
      if (isRecord(object.status)) object.status = projectPodStatus(object.status);
      return object;
    case 'nodes':
      object.metadata = projectMetadata(object.metadata, pool, []);
      if (isRecord(object.status)) {
        // status.images alone is often 10–50 KB per node; none of these is read by a detector.
        const { images: _images, nodeInfo: _nodeInfo, daemonEndpoints: _daemon, volumesInUse: _inUse, volumesAttached: _attached, config: _config, ...status } = object.status;
        object.status = status;
      }
      return object;
    case 'events':
      return toCoreEvent(object) as unknown as CachedObject;
    case 'namespaces': {
      // Routing reads a Namespace's annotations (and labels may follow); spec and status are not read.
      const { name, uid, resourceVersion, labels, annotations } = object.metadata;
      const metadata: ObjectMeta = { name };
      if (uid !== undefined) metadata.uid = uid;
      if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
      if (labels !== undefined) metadata.labels = labels;
      if (annotations !== undefined) metadata.annotations = annotations;
      return { kind: info.kind, apiVersion: info.apiVersion, metadata };
    }
    case 'replicasets':
    case 'deployments':
    case 'statefulsets':
    case 'daemonsets':
    case 'jobs':
    case 'cronjobs':
      object.metadata = projectMetadata(object.metadata, pool, POD_METADATA_DROPPED);
      if (isRecord(object.spec)) object.spec = projectWorkloadSpec(object.spec, pool);
      return object;
    default:
      return object;
  }
}

/*
 * PROJECTION: what the cache keeps of each object, derived from what reads it — the detectors
 * (src/diagnosis, through the snapshot), the collector (collector.ts logCandidate, snapshot.ts
 * rolloutContext), the alert source (candidates.ts, alert-source.ts), answer-query.ts and
 * resolve-target.ts, the one-click fixes (uid, resourceVersion, finalizers) and channel routing
 * (a Namespace's annotations). test/cluster/projection.test.ts records every field the engine
 * and the collector read while diagnosing every fixture and fails if the projection drops one.
 *
 * Kept as listed: everything src/contract/k8s.ts declares, and every other field (a detector may
 * read one the contract leaves open, such as a volume's nfs server or a container's
 * imagePullPolicy), except these, which nothing reads and which are per-object values that cost
 * memory on every Pod:
 *   metadata.managedFields, .generateName, .selfLink, annotation last-applied-configuration;
 *   Pod status.hostIPs, .podIPs (status.hostIP and .podIP stay), conditions[].lastProbeTime,
 *   container statuses' imageID and containerID (also in state/lastState.terminated);
 *   Node status.images, .nodeInfo, .daemonEndpoints, .volumesInUse, .volumesAttached, .config;
 *   Namespace everything but name, uid, resourceVersion, labels, annotations.
 * Shared (one frozen copy for all equal values, StringPool.share): metadata labels, annotations,
 * ownerReferences and finalizers; a Pod spec's fields other than nodeName, hostname, subdomain,
 * containers and volumes (tolerations, affinity, nodeSelector, securityContext, …); each container
 * without its volumeMounts (a Pod's service-account token mount has a per-Pod name); each volume's
 * source; a workload's selector, strategy and template (the template's Pod spec as above, so a
 * ReplicaSet, its Deployment and their Pods hold one copy of each container spec).
 */
const POD_METADATA_DROPPED: readonly string[] = ['generateName', 'selfLink'];
const SHARED_METADATA: ReadonlySet<string> = new Set(['labels', 'annotations', 'ownerReferences', 'finalizers']);
/** Per-Pod values of a Pod spec: not worth a lookup in the shared table. */
const PER_POD_SPEC: ReadonlySet<string> = new Set(['nodeName', 'hostname', 'subdomain', 'containers', 'initContainers', 'ephemeralContainers', 'volumes']);
const CONTAINER_LISTS: ReadonlySet<string> = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const POD_STATUS_DROPPED: ReadonlySet<string> = new Set(['hostIPs', 'podIPs']);
const CONTAINER_STATUS_LISTS: ReadonlySet<string> = new Set(['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']);
const EMPTY_STATE: Readonly<Record<string, never>> = Object.freeze({});

function projectMetadata(metadata: ObjectMeta, pool: StringPool | undefined, dropped: readonly string[]): ObjectMeta {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (dropped.includes(key)) continue;
    out[key] = pool && SHARED_METADATA.has(key) ? pool.share(value) : value;
  }
  return out as unknown as ObjectMeta;
}

function projectPodSpec(spec: Record<string, unknown>, pool: StringPool | undefined): Record<string, unknown> & { containers?: unknown } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (CONTAINER_LISTS.has(key)) out[key] = Array.isArray(value) ? value.map((c) => projectContainer(c, pool)) : value;
    else if (key === 'volumes') out[key] = Array.isArray(value) ? value.map((v) => projectVolume(v, pool)) : value;
    else out[key] = pool && !PER_POD_SPEC.has(key) ? pool.share(value) : value;
  }
  return out;
}

function projectContainer(container: unknown, pool: StringPool | undefined): unknown {
  if (!pool || !isRecord(container)) return container;
  const { volumeMounts, ...rest } = container;
  const shared = pool.share(rest);
  return volumeMounts === undefined ? shared : { ...shared, volumeMounts };
}

function projectVolume(volume: unknown, pool: StringPool | undefined): unknown {
  if (!pool || !isRecord(volume)) return volume;
  const { name, ...source } = volume;
  return { name, ...pool.share(source) };
}

function projectWorkloadSpec(spec: Record<string, unknown>, pool: StringPool | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'template' && isRecord(value)) {
      const template: Record<string, unknown> = {};
      if (isRecord(value.metadata)) template.metadata = projectMetadata(value.metadata as unknown as ObjectMeta, pool, POD_METADATA_DROPPED);
      if (isRecord(value.spec)) template.spec = projectPodSpec(value.spec, pool);
      out[key] = { ...value, ...template };
    } else if (key === 'jobTemplate' && isRecord(value)) {
      out[key] = isRecord(value.spec) ? { ...value, spec: projectWorkloadSpec(value.spec, pool) } : value;
    } else {
      out[key] = pool && (key === 'selector' || key === 'strategy' || key === 'updateStrategy') ? pool.share(value) : value;
    }
  }
  return out;
}

function projectPodStatus(status: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) {
    if (POD_STATUS_DROPPED.has(key)) continue;
    if (key === 'conditions' && Array.isArray(value)) out[key] = value.map(projectCondition);
    else if (CONTAINER_STATUS_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(projectContainerStatus);
    else out[key] = value;
  }
  return out;
}

function projectCondition(condition: unknown): unknown {
  if (!isRecord(condition) || !('lastProbeTime' in condition)) return condition;
  const { lastProbeTime: _probe, ...rest } = condition;
  return rest;
}

function projectContainerStatus(status: unknown): unknown {
  if (!isRecord(status)) return status;
  const { imageID: _image, containerID: _container, state, lastState, ...rest } = status;
  const out: Record<string, unknown> = rest;
  if (state !== undefined) out.state = projectState(state);
  if (lastState !== undefined) out.lastState = projectState(lastState);
  return out;
}

function projectState(state: unknown): unknown {
  if (!isRecord(state)) return state;
  const keys = Object.keys(state);
  if (keys.length === 0) return EMPTY_STATE;
  const terminated = state.terminated;
  if (!isRecord(terminated) || !('containerID' in terminated)) return state;
  const { containerID: _container, ...rest } = terminated;
  return { ...state, terminated: rest };
}
