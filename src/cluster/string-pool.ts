import { hash } from 'node:crypto';

/**
 * Deduplicates what cached objects repeat. JSON.parse gives every value its own string and object,
 * so each of 150,000 Pods carries its own "Running", "True", namespace, node name, image, label
 * values and owner names (StringPool.intern: measured on the bench cluster, a third of the cache's
 * heap before it), and its own copy of its Deployment's labels, owner reference, tolerations and
 * container spec: env, ports, probes, resources (StringPool.share: the same value for every Pod of
 * a template). Both tables are bounded (they start over when full, keeping what is already
 * deduplicated), so values of deleted objects cannot pile up in them.
 */
export class StringPool {
  readonly #strings = new Map<string, string>();
  readonly #limit: number;
  readonly #shared = new Map<string, unknown>();
  readonly #sharedLimit: number;
  /** The value share() last returned for each part (partOf) of an object, arrays and objects apart. */
  readonly #recentObjects = new Map<string, unknown>();
  readonly #recentArrays = new Map<string, unknown>();

  constructor(limit = 100_000, sharedLimit = 200_000) {
    this.#limit = limit;
    this.#sharedLimit = sharedLimit;
  }

  intern(value: string): string {
    if (value.length < JSON_INTERNALIZED_LENGTH || value.length > MAX_POOLED_LENGTH) return value;
    const pooled = this.#strings.get(value);
    if (pooled !== undefined) return pooled;
    if (this.#strings.size >= this.#limit) this.#strings.clear();
    this.#strings.set(value, value);
    return value;
  }

  /**
   * A plain JSON value (object or array, its strings already interned) equal to `value` that is
   * already kept, else `value` itself, deep-frozen and kept from now on. Shared values are frozen
   * because many objects hold them: a caller that changed one would change them all. Callers pass
   * only parts that repeat across objects (a template's container, labels, owner references),
   * never parts with per-object values, which would fill the table with keys that never match.
   */
  share<T>(value: T): T {
    if (typeof value !== 'object' || value === null) return value;
    // A LIST (sorted by namespace and name) hands over the Pods of a ReplicaSet one after the other,
    // so the value last kept for the same part of an object is most often the one: comparing with it
    // costs less than the JSON and digest below (and makes no garbage), and it is exact.
    const recent = Array.isArray(value) ? this.#recentArrays : this.#recentObjects;
    const part = partOf(value);
    const last = recent.get(part);
    if (last !== undefined && sameJson(last, value)) return last as T;
    const json = JSON.stringify(value);
    if (json.length > MAX_SHARED_JSON_LENGTH) return value;
    // Keyed by the JSON's SHA-256, not the JSON: a container spec's JSON is 1–2 KB, kept once per
    // template, 40 MB for the 20,000 Deployments of a 150,000-Pod cluster; its digest is 44 bytes.
    const key = json.length <= SHORT_JSON_LENGTH ? json : hash('sha256', json, 'base64');
    let kept = this.#shared.get(key) as T | undefined;
    // Equal digests of different JSON are next to impossible, but a merge would give Pods another
    // template's container: compared, to be sure.
    if (kept !== undefined && !sameJson(kept, value)) return value;
    if (kept === undefined) {
      if (this.#shared.size >= this.#sharedLimit) this.#shared.clear();
      kept = deepFreeze(value);
      this.#shared.set(key, kept);
    }
    if (recent.size >= MAX_RECENT_PARTS) recent.clear();
    recent.set(part, kept);
    return kept;
  }

  get size(): number {
    return this.#strings.size;
  }

  /** Shared values kept. */
  get sharedSize(): number {
    return this.#shared.size;
  }
}

/** Tells parts of an object apart cheaply: the first key of `value` (of its first item, for an array). */
function partOf(value: object): string {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'object' && first !== null) for (const key in first) return key;
  return '';
}

/**
 * Whether `value` has the same JSON as `kept`, without writing it: the same keys in the same order
 * and equal values. Only plain objects and arrays compare equal (a Date has no keys to compare).
 */
function sameJson(kept: unknown, value: unknown): boolean {
  if (kept === value) return true;
  if (typeof kept !== 'object' || typeof value !== 'object' || kept === null || value === null) return false;
  if (Array.isArray(kept)) {
    if (!Array.isArray(value) || kept.length !== value.length) return false;
    for (let i = 0; i < kept.length; i++) if (!sameJson(kept[i], value[i])) return false;
    return true;
  }
  if (Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype || Object.getPrototypeOf(kept) !== Object.prototype) return false;
  const keptKeys = Object.keys(kept);
  let i = 0;
  // for-in over a plain object (its prototype checked above) is Object.keys' order, without the array.
  for (const key in value) {
    if (key !== keptKeys[i++] || !sameJson((kept as Record<string, unknown>)[key], (value as Record<string, unknown>)[key])) return false;
  }
  return i === keptKeys.length;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}

/**
 * JSON.parse already returns one string for all equal string values shorter than this ("Running",
 * "True", "TCP", a namespace): V8 internalizes them when the JSON text is one-byte (json-parser.cc,
 * kMaxInternalizedStringValueLength; measured on Node 24: a parsed 9-character value costs no heap,
 * a 10-character one 32 bytes). Looking them up again cost a third of intern's time for nothing.
 * (A text with a character beyond Latin-1 is two-byte: its short strings stay unpooled, a few
 * bytes each.)
 */
const JSON_INTERNALIZED_LENGTH = 10;
/** Parts remembered for share()'s comparison with the last value kept (their first keys are open-ended: label keys). */
const MAX_RECENT_PARTS = 256;
/** JSON this short is its own key (no shorter than its digest). */
const SHORT_JSON_LENGTH = 64;
/** Longer strings (messages, commands) rarely repeat. */
const MAX_POOLED_LENGTH = 256;
/** A container spec with a dozen env vars and three probes is ~2 KB of JSON; bigger values rarely repeat. */
const MAX_SHARED_JSON_LENGTH = 8192;
