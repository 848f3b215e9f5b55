/**
 * The keys the cache stores objects under (by uid, never by name: see cache.ts) and its Table:
 * objects by key plus secondary indexes, so that one Pod's slice is found without a scan.
 */
import type { ObjectMeta } from '../contract/k8s.ts';

export function objectKey(object: { kind?: unknown; metadata: ObjectMeta }): string {
  return object.metadata.uid ?? `${String(object.kind ?? '')}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

export function nameKey(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  return `${kind ?? ''}/${namespace ?? ''}/${name ?? ''}`;
}

/** Node events are recorded in the default namespace but are about a cluster-scoped object. */
export function involvedKey(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  return nameKey(kind, kind === 'Node' ? '' : namespace, name);
}

export interface IndexDefinition<T> {
  keys(object: T): string[];
}

/**
 * The object keys under one index key: one key as itself, more as a Set. Most index keys name one
 * object (a Pod's namespace/name), and a Set per Pod cost ~100 bytes of the cache's ~2 KB per Pod.
 */
type Keys = string | Set<string>;

/**
 * How a Table keeps its objects when not as they are (shaped.ts for Pods): `keep` makes the stored
 * record, `restore` an object equal to the one kept. Reads restore a fresh copy each time.
 */
export interface TableForm<T> {
  keep(object: T): unknown;
  restore(stored: unknown): T;
}

/** Restored objects a Table keeps for repeated reads (~2 KB each for Pods). */
const RECENT_OBJECTS = 512;

/** Objects by key plus secondary indexes (index key → object keys), maintained on every change. */
export class Table<T extends { metadata: ObjectMeta }> {
  /** Objects by key, as `form` keeps them (else as they are). */
  readonly #objects = new Map<string, unknown>();
  readonly #definitions: Record<string, IndexDefinition<T>>;
  readonly #indexes = new Map<string, Map<string, Keys>>();
  readonly #form: TableForm<T> | undefined;
  /**
   * The objects restored last, by key, with the record they came from: a diagnosis reads its Pod,
   * owners and their ReplicaSets several times, and the Pods of one workload share owners. Without
   * it each read rebuilds a copy, garbage that outlives the diagnosis's awaits and swells the heap.
   */
  readonly #recent = new Map<string, { stored: unknown; object: T }>();

  constructor(definitions: Record<string, IndexDefinition<T>>, form?: TableForm<T>) {
    this.#definitions = definitions;
    this.#form = form;
    for (const name of Object.keys(definitions)) this.#indexes.set(name, new Map());
  }

  get size(): number {
    return this.#objects.size;
  }

  has(key: string): boolean {
    return this.#objects.has(key);
  }

  get(key: string): T | undefined {
    const stored = this.#objects.get(key);
    if (stored === undefined) return undefined;
    if (!this.#form) return stored as T;
    const recent = this.#recent.get(key);
    if (recent?.stored === stored) {
      // Most recently used last: re-insert.
      this.#recent.delete(key);
      this.#recent.set(key, recent);
      return recent.object;
    }
    const object = this.#form.restore(stored);
    this.#recent.set(key, { stored, object });
    if (this.#recent.size > RECENT_OBJECTS) this.#recent.delete(this.#recent.keys().next().value as string);
    return object;
  }

  /** Every object, rebuilt one at a time as the loop asks (values() would hold a copy of each at once). */
  *iterate(): IterableIterator<T> {
    for (const stored of this.#objects.values()) yield this.#restore(stored);
  }

  /** The keys of one index that have objects (e.g. the namespaces that hold any). */
  indexKeys(index: string): string[] {
    return [...(this.#indexes.get(index)?.keys() ?? [])];
  }

  values(): T[] {
    const out: T[] = [];
    for (const stored of this.#objects.values()) out.push(this.#restore(stored));
    return out;
  }

  #restore(stored: unknown): T {
    return this.#form ? this.#form.restore(stored) : (stored as T);
  }

  /** Adds or replaces `object`; `stored` is its record when the caller already made it with the same form (the informer's). */
  upsert(key: string, object: T, stored?: unknown): void {
    const old = this.get(key);
    if (old) this.#unindex(key, old);
    this.#objects.set(key, stored ?? (this.#form ? this.#form.keep(object) : object));
    for (const [name, definition] of Object.entries(this.#definitions)) {
      const index = this.#indexes.get(name);
      if (!index) continue;
      for (const k of definition.keys(object)) {
        const keys = index.get(k);
        if (keys === undefined || keys === key) index.set(k, key);
        else if (typeof keys === 'string') index.set(k, new Set([keys, key]));
        else keys.add(key);
      }
    }
  }

  remove(key: string): void {
    const old = this.get(key);
    if (!old) return;
    this.#unindex(key, old);
    this.#objects.delete(key);
    this.#recent.delete(key);
  }

  lookup(index: string, key: string): T[] {
    const keys = this.#indexes.get(index)?.get(key);
    if (keys === undefined) return [];
    if (typeof keys === 'string') {
      const object = this.get(keys);
      return object ? [object] : [];
    }
    const out: T[] = [];
    for (const k of keys) {
      const object = this.get(k);
      if (object) out.push(object);
    }
    return out;
  }

  /** The newest object under a name key (normally there is one; two briefly while a name is re-used). */
  newest(index: string, key: string): T | undefined {
    const found = this.lookup(index, key);
    if (found.length <= 1) return found[0];
    return found.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
  }

  #unindex(key: string, object: T): void {
    for (const [name, definition] of Object.entries(this.#definitions)) {
      const index = this.#indexes.get(name);
      if (!index) continue;
      for (const k of definition.keys(object)) {
        const keys = index.get(k);
        if (keys === key) index.delete(k);
        else if (typeof keys === 'object') {
          keys.delete(key);
          if (keys.size === 1) index.set(k, keys.values().next().value as string);
        }
      }
    }
  }
}

export const ownerKeys = (o: { metadata: ObjectMeta }): string[] => (o.metadata.ownerReferences ?? []).map((r) => r.uid);
