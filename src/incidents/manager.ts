import { createHash } from 'node:crypto';
import type { Diagnosis, Evidence } from '../contract/diagnosis.ts';
import type { Digest, Incident, IncidentPod, IncidentScope, NotifyCommand, PodCounts, PodState, PostedMessage } from '../contract/incident.ts';
import type { CauseId } from '../contract/scenarios.ts';
import { PodwhyError } from '../errors.ts';

/**
 * Incidents: what turns a stream of diagnoses into a few Slack messages. Slack allows about one
 * chat.postMessage per second per channel and chat.update is Tier 3 (shared/PLATFORM.md §1.1), so:
 * - one incident per (cluster, namespace, owner workload — or the Pod when it has none, cause): the
 *   replicas of one Deployment failing the same way are one incident with a count;
 * - Pods failing because their node is lost are one node incident per (cluster, node);
 * - an incident remembers where it was posted (channel + ts), in Redis when there is one, so a restarted
 *   process edits that message instead of opening a second thread;
 * - new evidence becomes an edit of the same message, at most one per incident per minUpdateIntervalMs;
 *   an edit that comes too soon is kept pending and emitted by flushDue();
 * - an incident resolves when all its Pods have been healthy or gone for resolveAfterMs, and re-opens in
 *   the same thread when it recurs within reopenWindowMs;
 * - snoozes (namespace, workload, node) keep tracking but stop notifications;
 * - more than stormThresholdPerMinute new incidents for one channel within a minute: further ones are
 *   listed in one digest message instead of one message each.
 * Concurrency: workers of one cluster may record into the same incident at the same moment. Every
 * change is a read-modify-write with a version check (compare-and-set; a Lua script in Redis), retried
 * on conflict, so two workers never both open an incident, and emitting a command is part of the write
 * that records it. Within one process, changes to the same document that arrive while one is being
 * written are applied together, in order, in the next read-modify-write (a burst's replicas land in one
 * incident at once: they would otherwise mostly conflict with each other and retry).
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

/** Where incidents live: Redis (scaled out) or memory (single process). Keys always carry the cluster. */
export interface IncidentStore {
  get(cluster: string, id: string): Promise<Versioned | null>;
  /** Writes `doc` only if the stored version is still `expectedVersion` (0: absent). False on conflict. */
  put(cluster: string, doc: StoredDoc, expectedVersion: number, write: StoreWrite): Promise<boolean>;
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

export interface IncidentSettings {
  /** At most one edit per incident (and per digest) message per this interval (~10 s). */
  minUpdateIntervalMs: number;
  /** All Pods healthy or gone this long: resolved (long enough to ride out a crash loop's Running moments). */
  resolveAfterMs: number;
  /** A recurrence within this long after resolving re-opens in the same thread. */
  reopenWindowMs: number;
  /** More than this many new incidents for one channel in stormWindowMs: digest instead of posts. */
  stormThresholdPerMinute: number;
  stormWindowMs: number;
  /** An open that was emitted but never marked posted (delivery failed) is emitted again after this long. */
  repostAfterMs: number;
  /** How long resolved incidents and digests are kept (at least reopenWindowMs). */
  retentionMs: number;
  digestMaxEntries: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = {
  minUpdateIntervalMs: 10_000,
  resolveAfterMs: 2 * 60_000,
  reopenWindowMs: 60 * 60_000,
  stormThresholdPerMinute: 10,
  stormWindowMs: 60_000,
  repostAfterMs: 5 * 60_000,
  retentionMs: 24 * 60 * 60_000,
  digestMaxEntries: 50,
};

export interface Observation {
  cluster: string;
  diagnosis: Diagnosis;
  /** The top controller (e.g. the Deployment, not its ReplicaSet); absent for bare Pods. */
  owner?: { kind: string; name: string };
  /** spec.nodeName of the Pod, for node incidents. */
  node?: string;
  /** From channel-routing.ts. */
  channel: string;
  /** snapshot.observedAt (RFC 3339). */
  observedAt: string;
}

export interface SnoozeRequest {
  cluster: string;
  /** Snoozes the whole namespace unless `workload` is given. */
  namespace?: string;
  /** `{ kind: 'Deployment', name: 'web' }`; a bare Pod is `{ kind: 'Pod', name }`. Needs `namespace`. */
  workload?: { kind: string; name: string };
  /** Snoozes the node incident of this node. */
  node?: string;
  untilMs: number;
}

export interface IncidentManagerOptions {
  store: IncidentStore;
  settings?: Partial<IncidentSettings>;
  /** The clock (ms since the epoch); tests drive it. */
  now?: () => number;
}

/** Structural, to avoid a cycle with notifier.ts. */
interface DeliversCommands {
  deliver(command: NotifyCommand): Promise<PostedMessage | void>;
}

const NODE_LOST_CAUSES: ReadonlySet<CauseId> = new Set<CauseId>(['unknown.node-lost', 'terminating.node-lost']);
const MAX_CAS_ATTEMPTS = 50;
const FLUSH_BATCH = 200;

export interface IncidentKey {
  id: string;
  scope: IncidentScope;
  namespace: string | null;
  subject: { kind: string; name: string };
}

/**
 * The owner an incident is keyed on: the top of the owner chain (snapshot.owners is nearest first), so the
 * Pods of all ReplicaSets of one Deployment, or all Jobs of one CronJob, are one incident. Pure.
 */
export function incidentOwnerOf(owners: readonly { kind: string; metadata: { name: string } }[]): { kind: string; name: string } | undefined {
  const top = owners.at(-1);
  return top ? { kind: top.kind, name: top.metadata.name } : undefined;
}

/** The incident an observation belongs to. Pure. */
export function incidentKeyOf(observation: Observation): IncidentKey {
  const { cluster, diagnosis } = observation;
  if (NODE_LOST_CAUSES.has(diagnosis.cause)) {
    const node = observation.node ?? nodeFromEvidence(diagnosis.evidence);
    if (node) return { id: `${cluster}/_node/${node}/node-lost`, scope: 'node', namespace: null, subject: { kind: 'Node', name: node } };
  }
  const namespace = diagnosis.subject.namespace;
  const isPodSubject = diagnosis.subject.kind === 'Pod';
  const subject = observation.owner ?? { kind: diagnosis.subject.kind, name: diagnosis.subject.name };
  const scope: IncidentScope = !observation.owner && isPodSubject ? 'pod' : 'workload';
  return { id: `${cluster}/${namespace}/${subject.kind}/${subject.name}/${diagnosis.cause}`, scope, namespace, subject };
}

/** The cluster part of an incident or digest id. */
export function clusterOfId(id: string): string {
  const slash = id.indexOf('/');
  if (slash <= 0) throw new PodwhyError('bad-input', `Not an incident id: ${id}`);
  return id.slice(0, slash);
}

export function podCounts(incident: Incident): PodCounts {
  const counts: PodCounts = { failing: 0, healthy: 0, gone: 0, total: 0 };
  for (const pod of Object.values(incident.pods)) {
    counts[pod.state] += 1;
    counts.total += 1;
  }
  return counts;
}

export class IncidentManager {
  readonly settings: IncidentSettings;
  readonly #store: IncidentStore;
  readonly #now: () => number;
  /** Changes waiting for a document being written, by cluster and id (see #mutate). */
  readonly #pending = new Map<string, PendingChange[]>();

  constructor(options: IncidentManagerOptions) {
    this.#store = options.store;
    this.settings = { ...DEFAULT_INCIDENT_SETTINGS, ...options.settings };
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records one diagnosis. Returns what to notify now, or null (nothing new, coalesced for later,
   * snoozed, or listed in a digest that needs no edit yet).
   */
  async record(observation: Observation): Promise<NotifyCommand | null> {
    const now = this.#now();
    const key = incidentKeyOf(observation);
    const { cluster, diagnosis } = observation;
    const member = memberOf(diagnosis);
    const fingerprint = fingerprintOf(diagnosis, key.scope);
    // Asked for together with the incident's read (one round trip to Redis instead of two in a row).
    const snoozeLookup = this.#store.snoozedUntil(cluster, snoozeScopes(key.scope, key.namespace, key.subject), now);
    snoozeLookup.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled

    const outcome = await this.#mutate(cluster, key.id, async (doc) => {
      const snoozedUntil = await snoozeLookup;
      let incident = doc?.type === 'incident' ? doc : null;
      let changed = false;
      if (!incident || (incident.status === 'resolved' && !this.#canReopen(incident, now))) {
        incident = newIncident(observation, key, fingerprint, now);
        changed = true;
      } else if (incident.status === 'resolved') {
        incident.status = 'open';
        incident.occurrence += 1;
        incident.openedAt = now;
        delete incident.resolvedAt;
        incident.pendingReopen = true;
        incident.pendingResolve = false;
        changed = true;
      }
      const observed = observe(incident, member, fingerprint, observation, now);
      if (observed && incident.delivery !== 'pending') incident.pendingUpdate = true;
      changed ||= observed;
      const decision = await this.#decide(incident, now, snoozedUntil);
      const dueAt = this.#nextDue(incident, now);
      const dueChanged = dueAt !== incident.dueAt;
      incident.dueAt = dueAt;
      const write = changed || decision !== null || dueChanged;
      return {
        next: write ? incident : null,
        addMembers: write ? [member.uid] : [],
        result: { decision, incident },
      };
    });
    return this.#finish(outcome.decision, outcome.incident, now);
  }

  /** The Pod (or workload subject) with this uid looks healthy now. */
  podHealthy(cluster: string, uid: string, now: number = this.#now()): Promise<NotifyCommand[]> {
    return this.#memberChanged(cluster, uid, 'healthy', now);
  }

  /** The Pod with this uid was deleted (or replaced). */
  resolvePod(cluster: string, uid: string, now: number = this.#now()): Promise<NotifyCommand[]> {
    return this.#memberChanged(cluster, uid, 'gone', now);
  }

  /**
   * Emits what has become due: coalesced updates, resolutions, notifications held back by an expired
   * snooze, digest edits, re-posts of opens never marked posted. Call it every second or so; several
   * processes may call it at once (each command is emitted by exactly one of them).
   */
  async flushDue(cluster: string, now: number = this.#now()): Promise<NotifyCommand[]> {
    const commands: NotifyCommand[] = [];
    for (const id of await this.#store.dueIds(cluster, now, FLUSH_BATCH)) {
      const outcome = await this.#mutate<FlushOutcome>(cluster, id, async (doc) => {
        if (!doc) return { next: null, result: { kind: 'missing' } };
        if (doc.type === 'digest') {
          const command = this.#flushDigest(doc, now);
          return { next: doc, result: { kind: 'digest', command } };
        }
        const removeMembers = this.#advance(doc, now);
        const snoozedUntil = await this.#store.snoozedUntil(cluster, snoozeScopesOf(doc), now);
        const decision = await this.#decide(doc, now, snoozedUntil);
        doc.dueAt = this.#nextDue(doc, now);
        return { next: doc, removeMembers, result: { kind: 'incident', decision, incident: doc } };
      });
      let command: NotifyCommand | null = null;
      if (outcome.kind === 'missing') await this.#store.clearDue(cluster, id);
      else if (outcome.kind === 'digest') command = outcome.command;
      else command = await this.#finish(outcome.decision, outcome.incident, now);
      if (command) commands.push(command);
    }
    return commands;
  }

  /** Remembers where an open (or digest) was posted, so later edits and re-opens go to that message. */
  async markPosted(id: string, posted: PostedMessage): Promise<void> {
    const cluster = clusterOfId(id);
    const now = this.#now();
    await this.#mutate(cluster, id, async (doc) => {
      if (!doc) return { next: null, result: undefined };
      doc.posted = { channel: posted.channel, ts: posted.ts };
      doc.dueAt = doc.type === 'incident' ? this.#nextDue(doc, now) : nextDigestDue(doc, this.settings);
      return { next: doc, result: undefined };
    });
  }

  /** Delivers a command and records where an open or digest landed. */
  async deliver(command: NotifyCommand, notifier: DeliversCommands): Promise<void> {
    const posted = await notifier.deliver(command);
    if (!posted) return;
    if (command.type === 'open') await this.markPosted(command.incident.id, posted);
    else if (command.type === 'digest' && !command.target) await this.markPosted(command.digest.id, posted);
  }

  async snooze(request: SnoozeRequest): Promise<void> {
    await this.#store.setSnooze(request.cluster, snoozeScopeOf(request), request.untilMs);
  }

  async unsnooze(request: Omit<SnoozeRequest, 'untilMs'>): Promise<void> {
    await this.#store.removeSnooze(request.cluster, snoozeScopeOf(request));
  }

  async get(cluster: string, id: string): Promise<Incident | null> {
    const found = await this.#store.get(cluster, id);
    return found?.doc.type === 'incident' ? found.doc : null;
  }

  /** Open incidents, e.g. to reconcile after an informer re-list: Pods no longer in the cache → resolvePod. */
  async listOpen(cluster: string): Promise<Incident[]> {
    const incidents: Incident[] = [];
    for (const id of await this.#store.openIds(cluster)) {
      const incident = await this.get(cluster, id);
      if (incident?.status === 'open') incidents.push(incident);
    }
    return incidents.sort((a, b) => a.id.localeCompare(b.id));
  }

  async #memberChanged(cluster: string, uid: string, state: Exclude<PodState, 'failing'>, now: number): Promise<NotifyCommand[]> {
    const commands: NotifyCommand[] = [];
    for (const id of await this.#store.idsForMember(cluster, uid)) {
      const outcome = await this.#mutate(cluster, id, async (doc) => {
        if (doc?.type !== 'incident' || doc.status !== 'open') return { next: null, result: null };
        const pod = doc.pods[uid];
        // 'gone' is final: a Pod uid never comes back; healthy does not override it.
        if (!pod || pod.state === state || pod.state === 'gone') return { next: null, result: null };
        pod.state = state;
        pod.since = now;
        if (doc.delivery !== 'pending') doc.pendingUpdate = true;
        if (doc.allClearSince === undefined && Object.values(doc.pods).every((p) => p.state !== 'failing')) {
          doc.allClearSince = now;
        }
        const removeMembers = [...(state === 'gone' ? [uid] : []), ...this.#advance(doc, now)];
        const snoozedUntil = await this.#store.snoozedUntil(cluster, snoozeScopesOf(doc), now);
        const decision = await this.#decide(doc, now, snoozedUntil);
        doc.dueAt = this.#nextDue(doc, now);
        return { next: doc, removeMembers, result: { decision, incident: doc } };
      });
      if (outcome) {
        const command = await this.#finish(outcome.decision, outcome.incident, now);
        if (command) commands.push(command);
      }
    }
    return commands;
  }

  #canReopen(incident: Incident, now: number): boolean {
    return (
      incident.delivery === 'message' &&
      incident.posted !== undefined &&
      incident.resolvedAt !== undefined &&
      now - incident.resolvedAt <= this.settings.reopenWindowMs
    );
  }

  /** Time-driven transition: all clear for resolveAfterMs → resolved. Returns index entries to drop. */
  #advance(incident: Incident, now: number): string[] {
    if (incident.status !== 'open' || incident.allClearSince === undefined) return [];
    if (now - incident.allClearSince < this.settings.resolveAfterMs) return [];
    incident.status = 'resolved';
    incident.resolvedAt = now;
    incident.pendingUpdate = false;
    incident.pendingReopen = false;
    incident.pendingResolve = incident.delivery === 'message' && incident.posted !== undefined;
    delete incident.allClearSince;
    return Object.keys(incident.pods);
  }

  /**
   * Decides what to emit for the incident's current state and books it (the booking is written in the
   * same compare-and-set as the state, so only one process emits). 'digest' means: list it in the digest.
   */
  async #decide(incident: Incident, now: number, snoozedUntil: number | null): Promise<Decision> {
    if (snoozedUntil !== null && snoozedUntil > now) {
      incident.snoozedUntil = snoozedUntil;
      return null;
    }
    delete incident.snoozedUntil;
    if (incident.status === 'resolved') {
      if (!incident.pendingResolve) return null;
      incident.pendingResolve = false;
      return incident.posted ? 'resolve' : null;
    }
    if (incident.delivery === 'digest') {
      incident.pendingUpdate = false;
      return null;
    }
    if (incident.delivery === 'pending') {
      const opened = await this.#store.countNew(incident.cluster, incident.channel, incident.id, now, this.settings.stormWindowMs);
      incident.pendingUpdate = false;
      incident.pendingReopen = false;
      if (opened > this.settings.stormThresholdPerMinute) {
        incident.delivery = 'digest';
        return 'digest';
      }
      incident.delivery = 'message';
      incident.openEmittedAt = now;
      incident.lastEmittedAt = now;
      return 'open';
    }
    if (!incident.posted) {
      // Emitted but never marked posted: the delivery failed (or is very slow). Try again, rarely.
      if (now - (incident.openEmittedAt ?? 0) < this.settings.repostAfterMs) return null;
      incident.openEmittedAt = now;
      incident.lastEmittedAt = now;
      incident.pendingUpdate = false;
      incident.pendingReopen = false;
      return 'open';
    }
    if (incident.pendingReopen) {
      incident.pendingReopen = false;
      incident.pendingUpdate = false;
      incident.lastEmittedAt = now;
      return 'reopen';
    }
    if (incident.pendingUpdate && now - (incident.lastEmittedAt ?? 0) >= this.settings.minUpdateIntervalMs) {
      incident.pendingUpdate = false;
      incident.lastEmittedAt = now;
      return 'update';
    }
    return null;
  }

  #nextDue(incident: Incident, now: number): number | null {
    const s = this.settings;
    const due: number[] = [];
    const waiting =
      incident.status === 'open'
        ? incident.delivery === 'pending' || incident.pendingUpdate || incident.pendingReopen
        : incident.pendingResolve;
    if (incident.snoozedUntil !== undefined && waiting) due.push(incident.snoozedUntil);
    if (incident.status === 'open' && incident.snoozedUntil === undefined) {
      if (incident.delivery === 'pending') due.push(now);
      if (incident.delivery === 'message' && !incident.posted) due.push((incident.openEmittedAt ?? now) + s.repostAfterMs);
      if (incident.delivery === 'message' && incident.posted && (incident.pendingUpdate || incident.pendingReopen)) {
        due.push((incident.lastEmittedAt ?? now) + s.minUpdateIntervalMs);
      }
    }
    if (incident.status === 'open' && incident.allClearSince !== undefined) due.push(incident.allClearSince + s.resolveAfterMs);
    return due.length === 0 ? null : Math.min(...due);
  }

  async #finish(decision: Decision, incident: Incident, now: number): Promise<NotifyCommand | null> {
    if (decision === null) return null;
    if (decision === 'digest') return this.#addToDigest(incident, now);
    const base = { incident, diagnosis: incident.diagnosis, pods: podCounts(incident) };
    if (decision === 'open') return { type: 'open', ...base };
    const target = incident.posted;
    if (!target) return null;
    return { type: decision, ...base, target };
  }

  async #addToDigest(incident: Incident, now: number): Promise<NotifyCommand | null> {
    const id = `${incident.cluster}/_digest/${incident.channel}`;
    return this.#mutate(incident.cluster, id, async (doc) => {
      let digest = doc?.type === 'digest' ? doc : null;
      const fresh = !digest || now - digest.lastAddedAt > this.settings.stormWindowMs;
      if (!digest || fresh) {
        digest = { type: 'digest', id, cluster: incident.cluster, channel: incident.channel, startedAt: now, lastAddedAt: now, entries: [], total: 0, pendingUpdate: false, dueAt: null };
      }
      if (digest.entries.some((entry) => entry.incidentId === incident.id)) return { next: null, result: null };
      if (digest.entries.length < this.settings.digestMaxEntries) {
        digest.entries.push({
          incidentId: incident.id,
          namespace: incident.namespace,
          subject: `${incident.subject.kind}/${incident.subject.name}`,
          cause: incident.cause,
          summary: incident.diagnosis.summary,
          failingPods: podCounts(incident).failing,
          addedAt: now,
        });
      }
      digest.total += 1;
      digest.lastAddedAt = now;
      let command: NotifyCommand | null;
      if (fresh) {
        digest.lastEmittedAt = now;
        command = { type: 'digest', digest };
      } else {
        digest.pendingUpdate = true;
        command = this.#flushDigest(digest, now);
      }
      digest.dueAt = nextDigestDue(digest, this.settings);
      return { next: digest, result: command };
    });
  }

  /** Emits the digest edit when due; books it in the digest document. */
  #flushDigest(digest: Digest, now: number): NotifyCommand | null {
    const s = this.settings;
    let command: NotifyCommand | null = null;
    if (digest.pendingUpdate && digest.posted && now - (digest.lastEmittedAt ?? 0) >= s.minUpdateIntervalMs) {
      digest.pendingUpdate = false;
      digest.lastEmittedAt = now;
      command = { type: 'digest', digest, target: digest.posted };
    } else if (!digest.posted && now - (digest.lastEmittedAt ?? 0) >= s.repostAfterMs) {
      digest.pendingUpdate = false;
      digest.lastEmittedAt = now;
      command = { type: 'digest', digest };
    }
    digest.dueAt = nextDigestDue(digest, s);
    return command;
  }

  /**
   * Read, change, compare-and-set; retried on conflict. `change` must not have side effects beyond the
   * store's idempotent ones. Changes to one document that come in while it is being written wait and are
   * then applied together, each to the result of the one before, in one read and one write.
   */
  #mutate<R>(cluster: string, id: string, change: (doc: StoredDoc | null) => Promise<MutateStep<R>>): Promise<R> {
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
        ttlMs: ttlOf(next, this.settings),
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

interface PendingChange {
  change: (doc: StoredDoc | null) => Promise<MutateStep<unknown>>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type ChangeOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

type Decision = 'open' | 'update' | 'reopen' | 'resolve' | 'digest' | null;

type FlushOutcome =
  | { kind: 'missing' }
  | { kind: 'digest'; command: NotifyCommand | null }
  | { kind: 'incident'; decision: Decision; incident: Incident };

interface MutateStep<R> {
  next: StoredDoc | null;
  addMembers?: string[];
  removeMembers?: string[];
  result: R;
}

function nextDigestDue(digest: Digest, s: IncidentSettings): number | null {
  if (!digest.posted) return (digest.lastEmittedAt ?? digest.startedAt) + s.repostAfterMs;
  if (digest.pendingUpdate) return (digest.lastEmittedAt ?? digest.startedAt) + s.minUpdateIntervalMs;
  return null;
}

function ttlOf(doc: StoredDoc, s: IncidentSettings): number | null {
  if (doc.type === 'digest') return Math.max(s.retentionMs, s.stormWindowMs);
  return doc.status === 'resolved' ? Math.max(s.retentionMs, s.reopenWindowMs) : null;
}

function newIncident(observation: Observation, key: IncidentKey, fingerprint: string, now: number): Incident {
  return {
    type: 'incident',
    id: key.id,
    cluster: observation.cluster,
    scope: key.scope,
    namespace: key.namespace,
    subject: key.subject,
    cause: observation.diagnosis.cause,
    channel: observation.channel,
    status: 'open',
    delivery: 'pending',
    pods: {},
    diagnosis: observation.diagnosis,
    fingerprint,
    lastObservedAt: observation.observedAt,
    firstSeenAt: now,
    lastSeenAt: now,
    openedAt: now,
    occurrence: 1,
    pendingUpdate: false,
    pendingReopen: false,
    pendingResolve: false,
    dueAt: null,
  };
}

/** Applies one observation; true when something a reader would see changed. */
function observe(incident: Incident, member: Omit<IncidentPod, 'state' | 'since'>, fingerprint: string, observation: Observation, now: number): boolean {
  let changed = false;
  const pod = incident.pods[member.uid];
  if (!pod) {
    incident.pods[member.uid] = { ...member, state: 'failing', since: now, fingerprint };
    changed = true;
  } else {
    if (pod.state !== 'failing') {
      pod.state = 'failing';
      pod.since = now;
      changed = true;
    }
    if (pod.fingerprint !== fingerprint) {
      pod.fingerprint = fingerprint;
      changed = true;
    }
  }
  if (incident.allClearSince !== undefined) {
    delete incident.allClearSince;
    changed = true;
  }
  incident.fingerprint = fingerprint;
  incident.diagnosis = observation.diagnosis;
  incident.cause = observation.diagnosis.cause;
  incident.lastObservedAt = observation.observedAt;
  incident.lastSeenAt = now;
  return changed;
}

function memberOf(diagnosis: Diagnosis): Omit<IncidentPod, 'state' | 'since'> {
  const { subject } = diagnosis;
  return { uid: subject.uid || `${subject.kind}-${subject.namespace}-${subject.name}`, namespace: subject.namespace, name: subject.name };
}

/**
 * A diagnosis's identity for "is this new evidence?": ages, event counts and exit timestamps change on
 * every look and are left out, and the subject's own name is masked, so two replicas failing the same
 * way look the same. Node incidents compare only the node facts.
 */
function fingerprintOf(diagnosis: Diagnosis, scope: IncidentScope): string {
  const evidence = diagnosis.evidence.filter((e) => scope !== 'node' || e.kind === 'node').map(stableEvidence);
  const material = scope === 'node' ? { cause: diagnosis.cause, evidence } : { cause: diagnosis.cause, otherCauses: diagnosis.otherCauses, summary: diagnosis.summary, evidence };
  const name = diagnosis.subject.name;
  const text = name ? JSON.stringify(material).split(name).join('<subject>') : JSON.stringify(material);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function stableEvidence(evidence: Evidence): Evidence {
  switch (evidence.kind) {
    case 'event':
      return { ...evidence, count: 0, ageSeconds: null };
    case 'exit-code':
      return { ...evidence, ranForSeconds: null, finishedAt: null };
    default:
      return evidence;
  }
}

function nodeFromEvidence(evidence: Evidence[]): string | undefined {
  for (const e of evidence) if (e.kind === 'node') return e.node;
  return undefined;
}

function snoozeScopes(scope: IncidentScope, namespace: string | null, subject: { kind: string; name: string }): string[] {
  if (scope === 'node') return [`node/${subject.name}`];
  return [`namespace/${namespace}`, `workload/${namespace}/${subject.kind}/${subject.name}`];
}

function snoozeScopesOf(incident: Incident): string[] {
  return snoozeScopes(incident.scope, incident.namespace, incident.subject);
}

function snoozeScopeOf(request: Omit<SnoozeRequest, 'untilMs'>): string {
  if (request.node) return `node/${request.node}`;
  if (!request.namespace) throw new PodwhyError('bad-input', 'A snooze needs a namespace (with or without a workload) or a node');
  if (request.workload) return `workload/${request.namespace}/${request.workload.kind}/${request.workload.name}`;
  return `namespace/${request.namespace}`;
}
