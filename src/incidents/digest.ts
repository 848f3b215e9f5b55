import type { Digest, Incident, NotifyCommand } from '../contract/incident.ts';
import { digestIdOf } from './keys.ts';
import { podCounts } from './lifecycle.ts';
import type { IncidentSettings } from './settings.ts';

/**
 * The storm digest: more than stormThresholdPerMinute new incidents for one channel within a minute, and
 * further ones are listed in one digest message instead of one message each. One digest document per
 * channel and storm; its edits are coalesced like an incident's. Pure: the manager writes the results.
 */

/**
 * Lists `incident` in its channel's digest, starting a fresh digest when the last one saw no addition for
 * stormWindowMs. Returns the digest to write (null: the incident is listed already) and what to notify:
 * the post of a fresh digest, an edit when one is due, or nothing (the edit is kept pending).
 */
export function addToDigest(current: Digest | null, incident: Incident, now: number, settings: IncidentSettings): { next: Digest | null; command: NotifyCommand | null } {
  let digest = current;
  const fresh = !digest || now - digest.lastAddedAt > settings.stormWindowMs;
  if (!digest || fresh) {
    digest = {
      type: 'digest', id: digestIdOf(incident.cluster, incident.channel), cluster: incident.cluster, channel: incident.channel,
      startedAt: now, lastAddedAt: now, entries: [], total: 0, pendingUpdate: false, dueAt: null,
    };
  }
  if (digest.entries.some((entry) => entry.incidentId === incident.id)) return { next: null, command: null };
  if (digest.entries.length < settings.digestMaxEntries) {
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
    command = flushDigest(digest, now, settings);
  }
  digest.dueAt = nextDigestDue(digest, settings);
  return { next: digest, command };
}

/** Emits the digest edit when due (or a re-post of a digest never marked posted); books it in the digest. */
export function flushDigest(digest: Digest, now: number, settings: IncidentSettings): NotifyCommand | null {
  let command: NotifyCommand | null = null;
  if (digest.pendingUpdate && digest.posted && now - (digest.lastEmittedAt ?? 0) >= settings.minUpdateIntervalMs) {
    digest.pendingUpdate = false;
    digest.lastEmittedAt = now;
    command = { type: 'digest', digest, target: digest.posted };
  } else if (!digest.posted && now - (digest.lastEmittedAt ?? 0) >= settings.repostAfterMs) {
    digest.pendingUpdate = false;
    digest.lastEmittedAt = now;
    command = { type: 'digest', digest };
  }
  digest.dueAt = nextDigestDue(digest, settings);
  return command;
}

function nextDigestDue(digest: Digest, settings: IncidentSettings): number | null {
  if (!digest.posted) return (digest.lastEmittedAt ?? digest.startedAt) + settings.repostAfterMs;
  if (digest.pendingUpdate) return (digest.lastEmittedAt ?? digest.startedAt) + settings.minUpdateIntervalMs;
  return null;
}
