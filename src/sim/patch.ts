/**
 * The three patch formats kube-apiserver accepts for built-in types.
 *
 * - JSON Patch (RFC 6902) with RFC 6901 pointers, applied by fast-json-patch. Any op failing (a `test`
 *   mismatch, a missing path) fails the whole patch; the apiserver turns that into a 422 with a fixed
 *   message (source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go applyJSPatch).
 * - JSON Merge Patch (RFC 7386): objects merge, null deletes, arrays are replaced.
 * - Strategic merge patch, the subset podwhy and kubectl exercise: maps merge, lists with a patch
 *   merge key merge by that key, metadata.finalizers merges as a set (+patchStrategy=merge,
 *   +listType=set on ObjectMeta.Finalizers) and honours `$deleteFromPrimitiveList/finalizers`,
 *   `$patch: delete|replace` on maps and merge-key list items, other lists are replaced.
 *   source: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go,
 *   staging/src/k8s.io/api/core/v1/types.go (patchMergeKey / patchStrategy tags)
 */
import { isDeepStrictEqual } from 'node:util';
import jsonPatch from 'fast-json-patch';
import { badRequest, patchApplyFailed } from './status.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

export function isPatchType(value: string): value is PatchType {
  return (Object.values(PATCH_TYPES) as string[]).includes(value);
}

/** A patch type by content type or by its short name ('json' | 'merge' | 'strategic'). */
export type PatchTypeName = PatchType | keyof typeof PATCH_TYPES;

export function toPatchType(name: PatchTypeName): PatchType {
  return name in PATCH_TYPES ? PATCH_TYPES[name as keyof typeof PATCH_TYPES] : (name as PatchType);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Applies a patch of the given type to a (not mutated) document and returns the new document. */
export function applyPatch(doc: JsonObject, patchType: PatchType, patch: unknown): JsonObject {
  switch (patchType) {
    case PATCH_TYPES.json:
      return applyJsonPatch(doc, patch);
    case PATCH_TYPES.merge: {
      if (!isObject(patch)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      const out = mergePatch(doc, patch);
      if (!isObject(out)) throw patchApplyFailed();
      return out;
    }
    case PATCH_TYPES.strategic: {
      if (!isObject(patch)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      return strategicMerge(doc, patch, []);
    }
  }
}

// ---------- RFC 6902 ----------

function applyJsonPatch(doc: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) {
    // source: evanphx/json-patch DecodePatch into []Operation
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  let out: unknown;
  try {
    // Validating, so that an op on a path that does not exist fails as it does in evanphx/json-patch;
    // both arguments are copies because fast-json-patch mutates the document and adds the ops' values by reference.
    out = jsonPatch.applyPatch(clone(doc), clone(patch), true).newDocument;
  } catch (err) {
    if (err instanceof jsonPatch.JsonPatchError || isPrototypeBan(err)) throw patchApplyFailed();
    throw err;
  }
  if (!isObject(out)) throw patchApplyFailed();
  return out;
}

/** fast-json-patch refuses a path through `__proto__` with a plain TypeError; a crafted patch gets the 422 any failing op gets. */
function isPrototypeBan(err: unknown): boolean {
  return err instanceof TypeError && err.message.startsWith('JSON-Patch: modifying `__proto__`');
}

// ---------- RFC 7386 ----------

/**
 * RFC 7386 §2's MergePatch pseudocode, line for line. Ours rather than json-merge-patch (1.0.2, the npm
 * package for RFC 7396): that one stops at a `__proto__`, `constructor` or `prototype` key and silently
 * drops the rest of the patch, mutates its target and ships no types, to save these eight lines.
 */
export function mergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

// ---------- strategic merge (subset) ----------

/** Merge keys of the lists podwhy's objects contain, by field name (core/v1 and apps/v1 types.go tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  resourceClaims: 'name',
  topologySpreadConstraints: 'topologyKey',
  ports: 'containerPort',
};

/** Primitive lists with patchStrategy=merge (set semantics). */
function isPrimitiveMergeList(pathKeys: readonly string[], key: string): boolean {
  return key === 'finalizers' && pathKeys[pathKeys.length - 1] === 'metadata';
}

const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

function strategicMerge(original: JsonObject, patch: JsonObject, pathKeys: string[]): JsonObject {
  if (patch['$patch'] === 'replace') {
    const replaced = clone(patch);
    delete replaced['$patch'];
    return replaced;
  }
  if (patch['$patch'] === 'delete') return {};
  const out = clone(original);
  const deletions: [string, JsonValue][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE)) {
      deletions.push([key.slice(DELETE_FROM_PRIMITIVE.length), value]);
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (isObject(value)) {
      if (value['$patch'] === 'delete') {
        delete out[key];
        continue;
      }
      out[key] = isObject(current) ? strategicMerge(current, value, [...pathKeys, key]) : strategicMerge({}, value, [...pathKeys, key]);
      continue;
    }
    if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(current) ? current : [], value, pathKeys, key);
      continue;
    }
    out[key] = value;
  }
  for (const [key, values] of deletions) {
    const current = out[key];
    if (!Array.isArray(current) || !Array.isArray(values)) {
      if (!Array.isArray(values)) throw badRequest('invalid patch: $deleteFromPrimitiveList value must be a list');
      continue;
    }
    const remaining = current.filter((v) => !values.some((d) => isDeepStrictEqual(d, v)));
    if (remaining.length === 0) delete out[key];
    else out[key] = remaining;
  }
  return out;
}

function mergeList(current: JsonValue[], patch: JsonValue[], pathKeys: string[], key: string): JsonValue[] {
  if (patch.some((item) => isObject(item) && item['$patch'] === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item['$patch'] === 'replace')).map(clone);
  }
  if (isPrimitiveMergeList(pathKeys, key)) {
    const out = current.map(clone);
    for (const v of patch) if (!out.some((c) => isDeepStrictEqual(c, v))) out.push(clone(v));
    return out;
  }
  const mergeKey = MERGE_KEYS[key];
  if (mergeKey === undefined || !patch.every(isObject)) return patch.map(clone);
  const out = current.map(clone);
  for (const item of patch as JsonObject[]) {
    const id = item[mergeKey];
    const index = out.findIndex((c) => isObject(c) && isDeepStrictEqual(c[mergeKey], id));
    if (item['$patch'] === 'delete') {
      if (index !== -1) out.splice(index, 1);
      continue;
    }
    if (index === -1) out.push(strategicMerge({}, item, [...pathKeys, key]));
    else out[index] = strategicMerge(out[index] as JsonObject, item, [...pathKeys, key]);
  }
  return out;
}
