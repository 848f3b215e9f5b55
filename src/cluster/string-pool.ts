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
    const json = JSON.stringify(value);
    if (json.length > MAX_SHARED_JSON_LENGTH) return value;
    // Keyed by the JSON's SHA-256, not the JSON: a container spec's JSON is 1–2 KB, kept once per
    // template, 40 MB for the 20,000 Deployments of a 150,000-Pod cluster; its digest is 44 bytes.
    const key = json.length <= SHORT_JSON_LENGTH ? json : hash('sha256', json, 'base64');
    const found = this.#shared.get(key);
    if (found !== undefined) return found as T;
    if (this.#shared.size >= this.#sharedLimit) this.#shared.clear();
    this.#shared.set(key, deepFreeze(value));
    return value;
  }

  get size(): number {
    return this.#strings.size;
  }

  /** Shared values kept. */
  get sharedSize(): number {
    return this.#shared.size;
  }
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
/** JSON this short is its own key (no shorter than its digest). */
const SHORT_JSON_LENGTH = 64;
/** Longer strings (messages, commands) rarely repeat. */
const MAX_POOLED_LENGTH = 256;
/** A container spec with a dozen env vars and three probes is ~2 KB of JSON; bigger values rarely repeat. */
const MAX_SHARED_JSON_LENGTH = 8192;
