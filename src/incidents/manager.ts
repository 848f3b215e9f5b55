import type { Digest, Incident, IncidentIntervention, IncidentSnooze, NotifyCommand, PodState } from '../contract/incident.ts';
import { BatchedDocumentWriter, type DocumentChange } from './compare-and-set.ts';
import { addToDigest, flushDigest } from './digest.ts';
import { fingerprintOf } from './fingerprint.ts';
import { digestIdOf, incidentKeyOf, memberOf, type Observation } from './keys.ts';
import { advance, canReopen, commandFor, decide, newIncident, nextDue, observe, reopen, ttlOf, type Decision } from './lifecycle.ts';
import { DEFAULT_INCIDENT_SETTINGS, type IncidentSettings } from './settings.ts';
import { endShownSnooze, snoozeScopeOf, snoozeScopes, snoozeScopesOf, type SnoozeRequest } from './snooze.ts';
import type { IncidentStore } from './store.ts';

/**
 * Incidents: what turns a stream of diagnoses into a few Slack messages. Slack allows about one
 * chat.postMessage per second per channel and chat.update is Tier 3 (docs/architecture.md, "Pacing"), so
 * the manager groups diagnoses into incidents (keys.ts), coalesces their edits and resolves them
 * (lifecycle.ts), lists storms in a digest (digest.ts) and holds back snoozed ones (snooze.ts). An incident
 * remembers where it was posted (channel + ts), in Redis when there is one, so a restarted process edits
 * that message instead of opening a second thread. Every change is a compare-and-set (compare-and-set.ts).
 * What it emits are NotifyCommands (src/contract/incident.ts) for the notify queue; the delivering side
 * reports where an open landed through the store (posted.ts), never through the manager.
 */

export interface IncidentManagerOptions {
  store: IncidentStore;
  settings?: Partial<IncidentSettings>;
  /** The clock (ms since the epoch); tests drive it. */
  now?: () => number;
}

const FLUSH_BATCH = 200;

/** What a person's change to an incident found, and the command to deliver for it (null: nothing to post or edit). */
export interface IncidentChange {
  outcome: 'done' | 'gone' | 'already-resolved';
  incident?: Incident;
  command: NotifyCommand | null;
}

type FlushOutcome =
  | { kind: 'missing' }
  | { kind: 'digest'; command: NotifyCommand | null }
  | { kind: 'incident'; decision: Decision; incident: Incident };

export class IncidentManager {
  readonly settings: IncidentSettings;
  readonly #store: IncidentStore;
  readonly #now: () => number;
  readonly #writer: BatchedDocumentWriter;

  constructor(options: IncidentManagerOptions) {
    this.#store = options.store;
    this.settings = { ...DEFAULT_INCIDENT_SETTINGS, ...options.settings };
    this.#now = options.now ?? Date.now;
    this.#writer = new BatchedDocumentWriter(this.#store, (doc) => ttlOf(doc, this.settings));
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
      if (!incident || (incident.status === 'resolved' && !canReopen(incident, now, this.settings))) {
        incident = newIncident(observation, key, fingerprint, now);
        changed = true;
      } else if (incident.status === 'resolved') {
        reopen(incident, now);
        changed = true;
      }
      const observed = observe(incident, member, fingerprint, observation, now);
      if (observed && incident.delivery !== 'pending') incident.pendingUpdate = true;
      changed ||= observed;
      const decision = await this.#decide(incident, now, snoozedUntil);
      const dueAt = nextDue(incident, now, this.settings);
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
          const command = flushDigest(doc, now, this.settings);
          return { next: doc, result: { kind: 'digest', command } };
        }
        const removeMembers = advance(doc, now, this.settings);
        const snoozeEnded = endShownSnooze(doc, now);
        const snoozedUntil = await this.#store.snoozedUntil(cluster, snoozeScopesOf(doc), now);
        let decision = await this.#decide(doc, now, snoozedUntil);
        // The snooze its parent showed is over: the parent says so, even with nothing else to edit.
        if (decision === null && snoozeEnded && doc.status === 'open' && doc.delivery === 'message' && doc.posted) {
          decision = 'update';
          doc.lastEmittedAt = now;
        }
        doc.dueAt = nextDue(doc, now, this.settings);
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

  async snooze(request: SnoozeRequest): Promise<void> {
    await this.#store.setSnooze(request.cluster, snoozeScopeOf(request), request.untilMs);
  }

  /**
   * "Snooze" on an incident's message: holds back new posts and edits for its workload (a node incident: its node) or
   * its whole namespace for `forMs`. The incidents stay tracked; what was held back is posted when the snooze ends.
   * The parents of the open incidents it holds (this one, the workload's other causes, the namespace's other
   * workloads) show it at once, although it holds back their other edits (a person asked for it), until it ends
   * (flushDue) or they resolve. `others`: the edits of the parents besides this one.
   */
  async snoozeIncident(cluster: string, id: string, scope: 'workload' | 'namespace', forMs: number, by: string, now: number = this.#now()): Promise<IncidentChange & { target: string; untilMs?: number; others: NotifyCommand[] }> {
    const incident = await this.get(cluster, id);
    if (!incident) return { outcome: 'gone', target: id.split('/').slice(1, -1).join('/'), command: null, others: [] };
    const untilMs = now + forMs;
    const request: SnoozeRequest =
      incident.scope === 'node' || incident.namespace === null
        ? { cluster, node: incident.subject.name, untilMs }
        : scope === 'namespace'
          ? { cluster, namespace: incident.namespace, untilMs }
          : { cluster, namespace: incident.namespace, workload: incident.subject, untilMs };
    await this.snooze(request);
    const target = request.node ? `Node/${request.node}` : request.workload ? `${request.workload.kind}/${request.workload.name}` : `namespace ${request.namespace ?? ''}`;
    const shown = { by, at: now, untilMs, target };
    const command = await this.#showSnooze(cluster, id, shown, now);
    const others: NotifyCommand[] = [];
    const held = snoozeScopeOf(request);
    for (const other of await this.listOpen(cluster)) {
      if (other.id === id || !other.posted || !snoozeScopesOf(other).includes(held)) continue;
      const edit = await this.#showSnooze(cluster, other.id, shown, now);
      if (edit) others.push(edit);
    }
    return { outcome: 'done', incident, command, target, untilMs, others };
  }

  /**
   * Records `snooze` as the one an open incident's parent shows when it is the one that holds the incident longest
   * (a snooze of the same scope replaces the earlier one, shorter or not; one of another scope may outlast it), and
   * returns the edit, if posted.
   */
  #showSnooze(cluster: string, id: string, snooze: IncidentSnooze, now: number): Promise<NotifyCommand | null> {
    return this.#mutate<NotifyCommand | null>(cluster, id, async (doc) => {
      if (doc?.type !== 'incident' || doc.status !== 'open') return { next: null, result: null };
      const holdsUntil = await this.#store.snoozedUntil(cluster, snoozeScopesOf(doc), now);
      if (holdsUntil !== snooze.untilMs) return { next: null, result: null };
      doc.snooze = snooze;
      let command: NotifyCommand | null = null;
      if (doc.delivery === 'message' && doc.posted) {
        command = commandFor('update', doc);
        doc.pendingUpdate = false;
        doc.lastEmittedAt = now;
      }
      doc.dueAt = nextDue(doc, now, this.settings);
      return { next: doc, result: command };
    });
  }

  /**
   * "Mark resolved": resolves an open incident now and edits its parent (the resolve command is emitted even while a
   * snooze holds the rest back: a person asked for it). Its Pods leave the member index, so a Pod still failing is
   * recorded afresh by its next diagnosis, which re-opens the incident in the same thread (canReopen).
   */
  async markResolved(cluster: string, id: string, by: string, now: number = this.#now()): Promise<IncidentChange & { stillFailing?: number }> {
    return this.#mutate<IncidentChange & { stillFailing?: number }>(cluster, id, async (doc) => {
      if (doc?.type !== 'incident') return { next: null, result: { outcome: 'gone', command: null } };
      if (doc.status === 'resolved') return { next: null, result: { outcome: 'already-resolved', incident: doc, command: null } };
      const stillFailing = Object.values(doc.pods).filter((p) => p.state === 'failing').length;
      doc.status = 'resolved';
      doc.resolvedAt = now;
      doc.pendingUpdate = false;
      doc.pendingReopen = false;
      doc.pendingResolve = false;
      delete doc.allClearSince;
      delete doc.snooze;
      doc.intervention = { action: 'mark-resolved', by, at: now };
      doc.dueAt = nextDue(doc, now, this.settings);
      const command = doc.delivery === 'message' && doc.posted ? commandFor('resolve', doc) : null;
      return { next: doc, removeMembers: Object.keys(doc.pods), result: { outcome: 'done', incident: doc, command, stillFailing } };
    });
  }

  /**
   * A one-click fix was done on a Pod of this incident: the parent shows it at once (an edit outside the coalescing
   * interval, as a person is waiting), whatever the incident's status; nothing when it was never posted.
   */
  async noteIntervention(cluster: string, id: string, intervention: Omit<IncidentIntervention, 'at'>, now: number = this.#now()): Promise<IncidentChange> {
    return this.#mutate<IncidentChange>(cluster, id, async (doc) => {
      if (doc?.type !== 'incident') return { next: null, result: { outcome: 'gone', command: null } };
      doc.intervention = { ...intervention, at: now };
      let command: NotifyCommand | null = null;
      if (doc.delivery === 'message' && doc.posted) {
        command = commandFor(doc.status === 'resolved' ? 'resolve' : 'update', doc);
        if (doc.status === 'open') {
          doc.pendingUpdate = false;
          doc.lastEmittedAt = now;
        }
      }
      doc.dueAt = nextDue(doc, now, this.settings);
      return { next: doc, result: { outcome: 'done', incident: doc, command } };
    });
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
        const removeMembers = [...(state === 'gone' ? [uid] : []), ...advance(doc, now, this.settings)];
        const snoozedUntil = await this.#store.snoozedUntil(cluster, snoozeScopesOf(doc), now);
        const decision = await this.#decide(doc, now, snoozedUntil);
        doc.dueAt = nextDue(doc, now, this.settings);
        return { next: doc, removeMembers, result: { decision, incident: doc } };
      });
      if (outcome) {
        const command = await this.#finish(outcome.decision, outcome.incident, now);
        if (command) commands.push(command);
      }
    }
    return commands;
  }

  #decide(incident: Incident, now: number, snoozedUntil: number | null): Promise<Decision> {
    return decide(incident, now, snoozedUntil, this.settings, () =>
      this.#store.countNew(incident.cluster, incident.channel, incident.id, now, this.settings.stormWindowMs),
    );
  }

  async #finish(decision: Decision, incident: Incident, now: number): Promise<NotifyCommand | null> {
    if (decision === null) return null;
    if (decision === 'digest') {
      return this.#mutate(incident.cluster, digestIdOf(incident.cluster, incident.channel), async (doc) => {
        const { next, command } = addToDigest(doc?.type === 'digest' ? (doc as Digest) : null, incident, now, this.settings);
        return { next, result: command };
      });
    }
    return commandFor(decision, incident);
  }

  #mutate<R>(cluster: string, id: string, change: DocumentChange<R>): Promise<R> {
    return this.#writer.mutate(cluster, id, change);
  }
}
