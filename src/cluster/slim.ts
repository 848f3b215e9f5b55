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

/** Values unique by construction: pooling them would only churn the pool. */
const UNIQUE_KEYS = new Set(['uid', 'resourceVersion', 'containerID', 'podIP', 'ip']);
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
  let changed = proto !== Object.prototype && proto !== null;
  const keys = Object.keys(source);
  const values: unknown[] = [];
  for (const key of keys) {
    const item = source[key];
    if (item === undefined || key === 'managedFields') {
      changed = true;
      values.push(undefined);
      continue;
    }
    let slim: unknown;
    if (typeof item === 'string') {
      if (pool && !UNIQUE_KEYS.has(key)) {
        slim = pool.intern(item);
        if (!changed) source[key] = slim;
      } else {
        slim = item;
      }
    } else {
      slim = slimValue(item, depth + 1, pool);
      const annotations = depth <= 1 && key === 'annotations' && isRecord(slim) ? slim : undefined;
      if (annotations && DROPPED_ANNOTATIONS.some((a) => a in annotations)) {
        const kept = { ...annotations };
        for (const dropped of DROPPED_ANNOTATIONS) delete kept[dropped];
        slim = kept;
      }
      if (slim !== item) changed = true;
    }
    values.push(slim);
  }
  if (!changed) return source;
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    const slim = values[i];
    if (slim !== undefined && key !== 'managedFields') out[key] = slim;
  });
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
 * last-applied-configuration dropped, as normalizeObject does) and removes what the engine never
 * reads but costs memory (a Node's image list). Sets kind/apiVersion, which LIST items lack.
 * test/cluster/slim.test.ts proves, fixture by fixture, that the engine sees no difference.
 *
 * The result shares the parts that needed no change with `raw` (see slimValue): `raw` must not be
 * changed afterwards. With `pool`, `raw`'s strings are swapped for pooled equal ones in place, so
 * pass a pool only for objects nobody else holds (a LIST page or watch event just decoded).
 */
export function slimObject(resource: ResourceName, raw: unknown, pool?: StringPool): CachedObject | null {
  if (!isRecord(raw) || !isRecord(raw.metadata) || typeof raw.metadata.name !== 'string') return null;
  const info = RESOURCES[resource];
  const object = { ...(slimValue(raw, 0, pool) as Record<string, unknown>), kind: info.kind, apiVersion: info.apiVersion } as unknown as CachedObject;
  switch (resource) {
    case 'pods':
      // Env values stay: detectors read some (oom reads JAVA_TOOL_OPTIONS' -Xmx); redaction is the renderers' job.
      if (!isRecord(object.spec)) object.spec = { containers: [] };
      else if (!Array.isArray(object.spec.containers)) object.spec = { ...object.spec, containers: [] };
      return object;
    case 'nodes':
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
    default:
      return object;
  }
}
