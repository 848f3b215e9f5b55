/**
 * Deduplicates the strings of cached objects. JSON.parse gives every value its own string, so each
 * of 10,000 Pods carries its own "Running", "True", namespace, node name, image, label values and
 * owner names: measured on the bench cluster, a third of the cache's heap. The pool is bounded (it
 * starts over when full, keeping what is already deduplicated), so strings of deleted objects
 * cannot pile up in it.
 */
export class StringPool {
  readonly #strings = new Map<string, string>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  intern(value: string): string {
    if (value.length > MAX_POOLED_LENGTH) return value;
    const pooled = this.#strings.get(value);
    if (pooled !== undefined) return pooled;
    if (this.#strings.size >= this.#limit) this.#strings.clear();
    this.#strings.set(value, value);
    return value;
  }

  get size(): number {
    return this.#strings.size;
  }
}

/** Longer strings (messages, commands) rarely repeat. */
const MAX_POOLED_LENGTH = 256;
