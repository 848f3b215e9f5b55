import type { Digest, Incident } from '../contract/incident.ts';

/**
 * The incident store port: where incidents and digests live. Two implementations, same semantics:
 * memory-store.ts (single process) and redis-store.ts (shared by every process of every cluster).
 * Keys always carry the cluster. The manager writes through `put`; the delivering side of the notify seam
 * (src/notify/deliver.ts, possibly another process) only through `replace` (markPosted).
 */

export type StoredDoc = Incident | Digest;

export interface Versioned {
  /** 1 for the first write; compare-and-set expects the version read (0 when absent). */
  version: number;
  doc: StoredDoc;
}

export interface StoreWrite {
  dueAt: number | null;
  /** Expire the document after this long (resolved incidents, digests); null: keep. */
  ttlMs: number | null;
  /** Member of the cluster's set of open incidents. */
  open: boolean;
  /** Pod (or subject) uids whose index should now list this document… */
  addMembers: string[];
  /** …and those that should not any more (gone Pods, resolved incidents). */
  removeMembers: string[];
}

export interface IncidentStore {
  get(cluster: string, id: string): Promise<Versioned | null>;
  /** Writes `doc` only if the stored version is still `expectedVersion` (0: absent). False on conflict. */
  put(cluster: string, doc: StoredDoc, expectedVersion: number, write: StoreWrite): Promise<boolean>;
  /**
   * Writes `doc` over an existing document whose version is still `expectedVersion`, keeping its expiry,
   * its open flag and its member indexes, and schedules it at `dueAt`. False on conflict or when the
   * document is gone. For changes that touch none of those: markPosted (posted.ts), which the delivering
   * side calls with nothing but the store.
   */
  replace(cluster: string, doc: StoredDoc, expectedVersion: number, dueAt: number | null): Promise<boolean>;
  /** Ids of documents listing this Pod uid. */
  idsForMember(cluster: string, uid: string): Promise<string[]>;
  /** Ids with dueAt ≤ now, earliest first. */
  dueIds(cluster: string, now: number, limit: number): Promise<string[]>;
  /** Drops a due entry whose document no longer exists. */
  clearDue(cluster: string, id: string): Promise<void>;
  openIds(cluster: string): Promise<string[]>;
  setSnooze(cluster: string, scope: string, untilMs: number): Promise<void>;
  removeSnooze(cluster: string, scope: string): Promise<void>;
  /** The latest end of the snoozes among `scopes` that are still running at `now`; null: none. */
  snoozedUntil(cluster: string, scopes: string[], now: number): Promise<number | null>;
  /**
   * Records `incidentId` as newly opened for `channel` at `now` (idempotent per id) and returns how many
   * distinct incidents were opened for that channel within the last `windowMs`, this one included.
   */
  countNew(cluster: string, channel: string, incidentId: string, now: number, windowMs: number): Promise<number>;
}
