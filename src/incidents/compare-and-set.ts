import { PodwhyError } from '../errors.ts';
import type { IncidentStore, StoredDoc } from './store.ts';

/**
 * Read-modify-write of one incident document with a version check (compare-and-set), retried on conflict.
 * Workers of one cluster may record into the same incident at the same moment, in several processes:
 * the version check means two of them never both open it, and emitting a command is part of the write that
 * books it. Within one process, changes to the same document that arrive while one is being written are
 * applied together, in order, in the next read-modify-write (a burst's replicas land in one incident at
 * once: they would otherwise mostly conflict with each other and retry).
 */

export interface MutateStep<R> {
  /** The document to write; null: write nothing (the change found nothing to do). */
  next: StoredDoc | null;
  addMembers?: string[];
  removeMembers?: string[];
  result: R;
}

/** A change to one document: side effects beyond the store's idempotent ones are not allowed (it may run again). */
export type DocumentChange<R> = (doc: StoredDoc | null) => Promise<MutateStep<R>>;

const MAX_CAS_ATTEMPTS = 50;

interface PendingChange {
  change: DocumentChange<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type ChangeOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

export class BatchedDocumentWriter {
  readonly #store: IncidentStore;
  readonly #ttlOf: (doc: StoredDoc) => number | null;
  /** Changes waiting for a document being written, by cluster and id. */
  readonly #pending = new Map<string, PendingChange[]>();

  constructor(store: IncidentStore, ttlOf: (doc: StoredDoc) => number | null) {
    this.#store = store;
    this.#ttlOf = ttlOf;
  }

  /**
   * Read, change, compare-and-set; retried on conflict. Changes to one document that come in while it is
   * being written wait and are then applied together, each to the result of the one before, in one read
   * and one write.
   */
  mutate<R>(cluster: string, id: string, change: DocumentChange<R>): Promise<R> {
    const key = `${cluster}\u0000${id}`;
    return new Promise<R>((resolve, reject) => {
      const waiting: PendingChange = { change, resolve: resolve as (result: unknown) => void, reject };
      const queue = this.#pending.get(key);
      if (queue) {
        queue.push(waiting);
        return;
      }
      this.#pending.set(key, [waiting]);
      void this.#drain(cluster, id, key);
    });
  }

  async #drain(cluster: string, id: string, key: string): Promise<void> {
    const queue = this.#pending.get(key) as PendingChange[];
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        const outcomes = await this.#commit(cluster, id, batch);
        outcomes.forEach((outcome, i) => {
          const waiting = batch[i] as PendingChange;
          if (outcome.ok) waiting.resolve(outcome.result);
          else waiting.reject(outcome.error);
        });
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.#pending.delete(key);
  }

  /** One read-modify-write of the batch's changes, retried on conflict. A change that throws fails alone. */
  async #commit(cluster: string, id: string, batch: PendingChange[]): Promise<ChangeOutcome[]> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.#store.get(cluster, id);
      let doc = current ? current.doc : null;
      let next: StoredDoc | null = null;
      /** uid → true: list it under this document; false: not any more. The last change's word counts. */
      const members = new Map<string, boolean>();
      const outcomes: ChangeOutcome[] = [];
      for (const waiting of batch) {
        // Each change gets its own copy, so one that throws or writes nothing leaves no trace for the next.
        const input = batch.length > 1 && doc ? (structuredClone(doc) as StoredDoc) : doc;
        try {
          const step = await waiting.change(input);
          outcomes.push({ ok: true, result: step.result });
          if (!step.next) continue;
          doc = step.next;
          next = step.next;
          for (const uid of step.addMembers ?? []) members.set(uid, true);
          for (const uid of step.removeMembers ?? []) members.set(uid, false);
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      if (!next) return outcomes;
      const entries = [...members];
      const written = await this.#store.put(cluster, next, current?.version ?? 0, {
        dueAt: next.dueAt,
        ttlMs: this.#ttlOf(next),
        open: next.type === 'incident' && next.status === 'open',
        addMembers: entries.filter(([, add]) => add).map(([uid]) => uid),
        removeMembers: entries.filter(([, add]) => !add).map(([uid]) => uid),
      });
      if (written) return outcomes;
      if (attempt >= MAX_CAS_ATTEMPTS) {
        throw new PodwhyError('conflict', `Incident ${id} kept changing under ${MAX_CAS_ATTEMPTS} attempts to update it`, { id });
      }
      // Let the other writer finish; jitter breaks lock-step retries.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * attempt));
    }
  }
}
