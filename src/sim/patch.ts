/**
 * The three patch formats kube-apiserver accepts for built-in types.
 *
 * - JSON Patch (RFC 6902) with RFC 6901 pointers. Any op failing (a `test` mismatch, a missing path)
 *   fails the whole patch; the apiserver turns that into a 422 with a fixed message
 *   (source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go applyJSPatch).
 * - JSON Merge Patch (RFC 7386): objects merge, null deletes, arrays are replaced.
 * - Strategic merge patch, the subset podwhy and kubectl exercise: maps merge, lists with a patch
 *   merge key merge by that key, metadata.finalizers merges as a set (+patchStrategy=merge,
 *   +listType=set on ObjectMeta.Finalizers) and honours `$deleteFromPrimitiveList/finalizers`,
 *   `$patch: delete|replace` on maps and merge-key list items, other lists are replaced.
 *   source: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go,
 *   staging/src/k8s.io/api/core/v1/types.go (patchMergeKey / patchStrategy tags)
 */
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

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: JsonValue;
}

class PatchOpError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchOpError(`invalid pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: JsonValue, tokens: string[]): { parent: JsonValue; key: string } {
  if (tokens.length === 0) throw new PatchOpError('cannot operate on the document root');
  let cur: JsonValue = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new PatchOpError(`missing path ${t}`);
      cur = cur[i] as JsonValue;
    } else if (isObject(cur)) {
      if (!(t in cur)) throw new PatchOpError(`missing path ${t}`);
      cur = cur[t] as JsonValue;
    } else {
      throw new PatchOpError(`missing path ${t}`);
    }
  }
  return { parent: cur, key: tokens[tokens.length - 1] as string };
}

function getAt(doc: JsonValue, tokens: string[]): JsonValue {
  let cur: JsonValue = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new PatchOpError(`missing path ${t}`);
      cur = cur[i] as JsonValue;
    } else if (isObject(cur) && t in cur) {
      cur = cur[t] as JsonValue;
    } else {
      throw new PatchOpError(`missing path ${t}`);
    }
  }
  return cur;
}

function addAt(doc: JsonValue, tokens: string[], value: JsonValue): void {
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchOpError(`index out of range ${key}`);
    parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchOpError('parent is not a container');
  }
}

function removeAt(doc: JsonValue, tokens: string[]): JsonValue {
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchOpError(`index out of range ${key}`);
    return parent.splice(i, 1)[0] as JsonValue;
  }
  if (isObject(parent) && key in parent) {
    const old = parent[key] as JsonValue;
    delete parent[key];
    return old;
  }
  throw new PatchOpError(`missing path ${key}`);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function applyJsonPatch(doc: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) {
    // source: evanphx/json-patch DecodePatch into []Operation
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  const ops = patch as JsonPatchOp[];
  let out: JsonValue = clone(doc);
  try {
    for (const op of ops) {
      if (!isObject(op as unknown) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchOpError('malformed op');
      const tokens = parsePointer(op.path);
      switch (op.op) {
        case 'add':
          if (tokens.length === 0) out = clone(op.value ?? null);
          else addAt(out, tokens, clone(op.value ?? null));
          break;
        case 'remove':
          removeAt(out, tokens);
          break;
        case 'replace':
          if (tokens.length === 0) {
            out = clone(op.value ?? null);
          } else {
            getAt(out, tokens);
            removeAt(out, tokens);
            addAt(out, tokens, clone(op.value ?? null));
          }
          break;
        case 'move': {
          const value = removeAt(out, parsePointer(op.from ?? ''));
          addAt(out, tokens, value);
          break;
        }
        case 'copy':
          addAt(out, tokens, clone(getAt(out, parsePointer(op.from ?? ''))));
          break;
        case 'test':
          if (!deepEqual(getAt(out, tokens), op.value ?? null)) throw new PatchOpError(`testing value ${op.path} failed`);
          break;
        default:
          throw new PatchOpError(`Unexpected kind: ${op.op}`);
      }
    }
  } catch (err) {
    if (err instanceof PatchOpError) throw patchApplyFailed();
    throw err;
  }
  if (!isObject(out)) throw patchApplyFailed();
  return out;
}

// ---------- RFC 7386 ----------

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
    const remaining = current.filter((v) => !values.some((d) => deepEqual(d, v)));
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
    for (const v of patch) if (!out.some((c) => deepEqual(c, v))) out.push(clone(v));
    return out;
  }
  const mergeKey = MERGE_KEYS[key];
  if (mergeKey === undefined || !patch.every(isObject)) return patch.map(clone);
  const out = current.map(clone);
  for (const item of patch as JsonObject[]) {
    const id = item[mergeKey];
    const index = out.findIndex((c) => isObject(c) && deepEqual(c[mergeKey], id));
    if (item['$patch'] === 'delete') {
      if (index !== -1) out.splice(index, 1);
      continue;
    }
    if (index === -1) out.push(strategicMerge({}, item, [...pathKeys, key]));
    else out[index] = strategicMerge(out[index] as JsonObject, item, [...pathKeys, key]);
  }
  return out;
}
