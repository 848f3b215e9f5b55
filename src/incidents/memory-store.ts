import type { IncidentStore, StoredDoc, StoreWrite, Versioned } from './store.ts';

export interface MemoryIncidentStoreOptions {
  /** Clock for document expiry; pass the IncidentManager's clock in tests. */
  now?: () => number;
}

interface Entry {
  version: number;
  /** Kept serialized, like Redis: readers never share an object with the store. */
  json: string;
  expiresAt: number | null;
}

/**
 * The single-process incident store. Same semantics as the Redis store, including compare-and-set
 * (trivially atomic here: a put checks and writes without awaiting in between).
 */
export class MemoryIncidentStore implements IncidentStore {
  readonly #now: () => number;
  readonly #docs = new Map<string, Entry>();
  readonly #due = new Map<string, Map<string, number>>();
  readonly #open = new Map<string, Set<string>>();
  readonly #members = new Map<string, Set<string>>();
  readonly #snoozes = new Map<string, Map<string, number>>();
  readonly #storms = new Map<string, Map<string, number>>();

  constructor(options: MemoryIncidentStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(cluster: string, id: string): Promise<Versioned | null> {
    const entry = this.#live(cluster, id);
    return entry ? { version: entry.version, doc: JSON.parse(entry.json) as StoredDoc } : null;
  }

  async put(cluster: string, doc: StoredDoc, expectedVersion: number, write: StoreWrite): Promise<boolean> {
    const key = docKey(cluster, doc.id);
    const current = this.#live(cluster, doc.id);
    if ((current?.version ?? 0) !== expectedVersion) return false;
    this.#docs.set(key, {
      version: expectedVersion + 1,
      json: JSON.stringify(doc),
      expiresAt: write.ttlMs === null ? null : this.#now() + write.ttlMs,
    });
    const due = getOrCreate(this.#due, cluster, () => new Map<string, number>());
    if (write.dueAt === null) due.delete(doc.id);
    else due.set(doc.id, write.dueAt);
    const open = getOrCreate(this.#open, cluster, () => new Set<string>());
    if (write.open) open.add(doc.id);
    else open.delete(doc.id);
    for (const uid of write.addMembers) getOrCreate(this.#members, docKey(cluster, uid), () => new Set<string>()).add(doc.id);
    for (const uid of write.removeMembers) {
      const ids = this.#members.get(docKey(cluster, uid));
      ids?.delete(doc.id);
      if (ids?.size === 0) this.#members.delete(docKey(cluster, uid));
    }
    return true;
  }

  async replace(cluster: string, doc: StoredDoc, expectedVersion: number, dueAt: number | null): Promise<boolean> {
    const current = this.#live(cluster, doc.id);
    if (!current || current.version !== expectedVersion) return false;
    this.#docs.set(docKey(cluster, doc.id), { version: expectedVersion + 1, json: JSON.stringify(doc), expiresAt: current.expiresAt });
    const due = getOrCreate(this.#due, cluster, () => new Map<string, number>());
    if (dueAt === null) due.delete(doc.id);
    else due.set(doc.id, dueAt);
    return true;
  }

  async idsForMember(cluster: string, uid: string): Promise<string[]> {
    return [...(this.#members.get(docKey(cluster, uid)) ?? [])].sort();
  }

  async dueIds(cluster: string, now: number, limit: number): Promise<string[]> {
    return [...(this.#due.get(cluster) ?? [])]
      .filter(([, at]) => at <= now)
      .sort(([a, at], [b, bt]) => at - bt || a.localeCompare(b))
      .slice(0, limit)
      .map(([id]) => id);
  }

  async clearDue(cluster: string, id: string): Promise<void> {
    this.#due.get(cluster)?.delete(id);
  }

  async openIds(cluster: string): Promise<string[]> {
    return [...(this.#open.get(cluster) ?? [])].sort();
  }

  async setSnooze(cluster: string, scope: string, untilMs: number): Promise<void> {
    getOrCreate(this.#snoozes, cluster, () => new Map<string, number>()).set(scope, untilMs);
  }

  async removeSnooze(cluster: string, scope: string): Promise<void> {
    this.#snoozes.get(cluster)?.delete(scope);
  }

  async snoozedUntil(cluster: string, scopes: string[], now: number): Promise<number | null> {
    const snoozes = this.#snoozes.get(cluster);
    let until: number | null = null;
    for (const scope of scopes) {
      const end = snoozes?.get(scope);
      if (end !== undefined && end > now && (until === null || end > until)) until = end;
    }
    return until;
  }

  async countNew(cluster: string, channel: string, incidentId: string, now: number, windowMs: number): Promise<number> {
    const opened = getOrCreate(this.#storms, docKey(cluster, channel), () => new Map<string, number>());
    for (const [id, at] of opened) if (at <= now - windowMs) opened.delete(id);
    opened.set(incidentId, now);
    return opened.size;
  }

  #live(cluster: string, id: string): Entry | undefined {
    const key = docKey(cluster, id);
    const entry = this.#docs.get(key);
    if (entry?.expiresAt != null && entry.expiresAt <= this.#now()) {
      this.#docs.delete(key);
      return undefined;
    }
    return entry;
  }
}

function docKey(cluster: string, id: string): string {
  return `${cluster}\u0000${id}`;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
