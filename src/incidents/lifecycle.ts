import type { Incident, IncidentPod, NotifyCommand, PodCounts } from '../contract/incident.ts';
import { addNews, shownFingerprintOf } from './fingerprint.ts';
import type { IncidentKey, Observation } from './keys.ts';
import type { IncidentSettings } from './settings.ts';
import type { StoredDoc } from './store.ts';

/**
 * The state machine of one incident: open → (updates, coalesced) → resolved → re-opened in the same
 * thread within reopenWindowMs, or a new incident after it. Each function changes the document it is
 * given and says what to emit; the manager writes the document and the emission in one compare-and-set,
 * so only one process emits. Pure apart from that mutation (the storm count is asked for through
 * `countOpened`).
 * - new evidence becomes an edit of the same message, at most one per incident per minUpdateIntervalMs;
 *   an edit that comes too soon is kept pending and emitted by the manager's flushDue, unless by then the
 *   message would show nothing new (shownFingerprintOf);
 * - an incident resolves when all its Pods have been healthy or gone for resolveAfterMs.
 */

/** What to emit for an incident; 'digest' means: list it in the channel's digest. */
export type Decision = 'open' | 'update' | 'reopen' | 'resolve' | 'digest' | null;

export function newIncident(observation: Observation, key: IncidentKey, fingerprint: string, now: number): Incident {
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

/** Re-opens a resolved incident in the same thread. */
export function reopen(incident: Incident, now: number): void {
  incident.status = 'open';
  incident.occurrence += 1;
  incident.openedAt = now;
  delete incident.resolvedAt;
  incident.pendingReopen = true;
  incident.pendingResolve = false;
}

/** Applies one observation; true when something a reader would see changed. */
export function observe(incident: Incident, member: Omit<IncidentPod, 'state' | 'since'>, fingerprint: string, observation: Observation, now: number): boolean {
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
  incident.seen = addNews(incident.seen, observation.diagnosis, incident.scope);
  incident.diagnosis = observation.diagnosis;
  incident.cause = observation.diagnosis.cause;
  incident.lastObservedAt = observation.observedAt;
  incident.lastSeenAt = now;
  return changed;
}

export function canReopen(incident: Incident, now: number, settings: IncidentSettings): boolean {
  return (
    incident.delivery === 'message' &&
    incident.posted !== undefined &&
    incident.resolvedAt !== undefined &&
    now - incident.resolvedAt <= settings.reopenWindowMs
  );
}

/** Time-driven transition: all clear for resolveAfterMs → resolved. Returns index entries to drop. */
export function advance(incident: Incident, now: number, settings: IncidentSettings): string[] {
  if (incident.status !== 'open' || incident.allClearSince === undefined) return [];
  if (now - incident.allClearSince < settings.resolveAfterMs) return [];
  incident.status = 'resolved';
  incident.resolvedAt = now;
  incident.pendingUpdate = false;
  incident.pendingReopen = false;
  incident.pendingResolve = incident.delivery === 'message' && incident.posted !== undefined;
  delete incident.allClearSince;
  // A resolved parent shows no snooze (the snooze itself stays in the store until it ends).
  delete incident.snooze;
  return Object.keys(incident.pods);
}

/**
 * Decides what to emit for the incident's current state and books it (the booking is written in the
 * same compare-and-set as the state, so only one process emits). `countOpened` records the incident as
 * new for its channel and returns how many were opened there within stormWindowMs (IncidentStore.countNew).
 */
export async function decide(incident: Incident, now: number, snoozedUntil: number | null, settings: IncidentSettings, countOpened: () => Promise<number>): Promise<Decision> {
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
    const opened = await countOpened();
    incident.pendingUpdate = false;
    incident.pendingReopen = false;
    if (opened > settings.stormThresholdPerMinute) {
      incident.delivery = 'digest';
      return 'digest';
    }
    incident.delivery = 'message';
    incident.openEmittedAt = now;
    incident.lastEmittedAt = now;
    incident.shownFingerprint = shownFingerprintOf(incident);
    return 'open';
  }
  if (!incident.posted) {
    // Emitted but never marked posted: the delivery failed (or is very slow). Try again, rarely.
    if (now - (incident.openEmittedAt ?? 0) < settings.repostAfterMs) return null;
    incident.openEmittedAt = now;
    incident.lastEmittedAt = now;
    incident.pendingUpdate = false;
    incident.pendingReopen = false;
    incident.shownFingerprint = shownFingerprintOf(incident);
    return 'open';
  }
  if (incident.pendingReopen) {
    incident.pendingReopen = false;
    incident.pendingUpdate = false;
    incident.lastEmittedAt = now;
    incident.shownFingerprint = shownFingerprintOf(incident);
    return 'reopen';
  }
  if (incident.pendingUpdate && now - (incident.lastEmittedAt ?? 0) >= settings.minUpdateIntervalMs) {
    incident.pendingUpdate = false;
    // Back where the message already is (a Pod Ready for a moment between crashes, a wording that flipped and
    // flipped back): no edit. The coalescing clock is left alone, so a real change still goes out at once.
    const shown = shownFingerprintOf(incident);
    if (shown === incident.shownFingerprint) return null;
    incident.shownFingerprint = shown;
    incident.lastEmittedAt = now;
    return 'update';
  }
  return null;
}

/** When flushDue next has something to do for this incident; null: nothing scheduled. */
export function nextDue(incident: Incident, now: number, settings: IncidentSettings): number | null {
  const due: number[] = [];
  const waiting =
    incident.status === 'open'
      ? incident.delivery === 'pending' || incident.pendingUpdate || incident.pendingReopen
      : incident.pendingResolve;
  if (incident.snoozedUntil !== undefined && waiting) due.push(incident.snoozedUntil);
  if (incident.status === 'open' && incident.snoozedUntil === undefined) {
    if (incident.delivery === 'pending') due.push(now);
    if (incident.delivery === 'message' && !incident.posted) due.push((incident.openEmittedAt ?? now) + settings.repostAfterMs);
    if (incident.delivery === 'message' && incident.posted && (incident.pendingUpdate || incident.pendingReopen)) {
      due.push((incident.lastEmittedAt ?? now) + settings.minUpdateIntervalMs);
    }
  }
  if (incident.status === 'open' && incident.allClearSince !== undefined) due.push(incident.allClearSince + settings.resolveAfterMs);
  // The parent shows a snooze until it ends (snooze.ts endShownSnooze).
  if (incident.snooze) due.push(incident.snooze.untilMs);
  return due.length === 0 ? null : Math.min(...due);
}

/** The command for a decision other than 'digest' (the manager adds the incident to its digest). */
export function commandFor(decision: Exclude<Decision, 'digest' | null>, incident: Incident): NotifyCommand | null {
  const base = { incident, diagnosis: incident.diagnosis, pods: podCounts(incident) };
  if (decision === 'open') return { type: 'open', ...base };
  const target = incident.posted;
  if (!target) return null;
  return { type: decision, ...base, target };
}

export function podCounts(incident: Incident): PodCounts {
  const counts: PodCounts = { failing: 0, healthy: 0, gone: 0, total: 0 };
  for (const pod of Object.values(incident.pods)) {
    counts[pod.state] += 1;
    counts.total += 1;
  }
  return counts;
}

/** How long a document is kept: resolved incidents and digests expire, open incidents do not. */
export function ttlOf(doc: StoredDoc, settings: IncidentSettings): number | null {
  if (doc.type === 'digest') return Math.max(settings.retentionMs, settings.stormWindowMs);
  return doc.status === 'resolved' ? Math.max(settings.retentionMs, settings.reopenWindowMs) : null;
}
