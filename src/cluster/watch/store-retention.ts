/**
 * What an informer keeps of a resource whose objects pile up (Events): none last seen longer ago
 * than a window, at most a bound per group (newest kept). The API server's own expiry (Events
 * live an hour after their last update by default, kube-apiserver --event-ttl) is not enough: a
 * cluster may set a longer TTL, a watch never tells us about an expiry it missed, and nothing
 * limits how many Events one misbehaving writer creates about one object within the TTL.
 */
export interface StoreRetention<T> {
  /** The group an object counts against (an Event's involved object). */
  groupOf(object: T): string;
  /** When the object was last seen, in ms since the epoch; NaN when undated (never too old, first to go from a full group). */
  lastSeenOf(object: T): number;
  /** Objects last seen longer ago than this are not kept. */
  maxAgeMs: number;
  /** At most this many objects per group; the newest are kept. */
  maxPerGroup: number;
  /** How often objects that aged past `maxAgeMs` are dropped (the API server may never send their DELETED). */
  sweepEveryMs: number;
  /** The wall clock, ms since the epoch (event times are wall-clock times). */
  now(): number;
}

/** The keys kept, by group, with when each was last seen: what enforces the per-group bound. */
export class RetainedKeys {
  readonly maxPerGroup: number;
  readonly #entries = new Map<string, { group: string; lastSeen: number }>();
  readonly #groups = new Map<string, Set<string>>();

  constructor(maxPerGroup: number) {
    this.maxPerGroup = maxPerGroup;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records (or updates) `key`. When its group now holds more than `maxPerGroup` keys, returns the
   * one to drop: the least recently seen (undated ones first), which may be `key` itself; the
   * caller drops it and calls remove().
   */
  add(key: string, group: string, lastSeen: number): string | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.group !== group) this.remove(key);
    if (entry && entry.group === group) {
      entry.lastSeen = lastSeen;
    } else {
      this.#entries.set(key, { group, lastSeen });
      let keys = this.#groups.get(group);
      if (!keys) {
        keys = new Set();
        this.#groups.set(group, keys);
      }
      keys.add(key);
    }
    const keys = this.#groups.get(group) as Set<string>;
    if (keys.size <= this.maxPerGroup) return undefined;
    // A linear scan of at most maxPerGroup + 1 keys, only when a group overflows.
    let oldest: string | undefined;
    let oldestSeen = Infinity;
    for (const candidate of keys) {
      const seen = this.#entries.get(candidate)?.lastSeen ?? NaN;
      const comparable = Number.isNaN(seen) ? -Infinity : seen;
      if (oldest === undefined || comparable < oldestSeen) {
        oldest = candidate;
        oldestSeen = comparable;
      }
    }
    return oldest;
  }

  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    const keys = this.#groups.get(entry.group);
    keys?.delete(key);
    if (keys?.size === 0) this.#groups.delete(entry.group);
  }

  /** Keys last seen before `cutoff` (undated ones never). */
  seenBefore(cutoff: number): string[] {
    const keys: string[] = [];
    for (const [key, { lastSeen }] of this.#entries) if (lastSeen < cutoff) keys.push(key);
    return keys;
  }

  /** The largest group's size (for tests and stats). */
  largestGroup(): number {
    let largest = 0;
    for (const keys of this.#groups.values()) largest = Math.max(largest, keys.size);
    return largest;
  }
}
