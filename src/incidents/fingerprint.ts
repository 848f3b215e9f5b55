import { createHash } from 'node:crypto';
import type { Diagnosis, Evidence } from '../contract/diagnosis.ts';
import type { Incident, IncidentNews, IncidentScope } from '../contract/incident.ts';

/**
 * What a person reads as news in a diagnosis: the cause, the other causes, and the classes of evidence (a BackOff
 * event, an exit code of container app, a log line, a node), not their texts, counts or ages. Rewording and
 * counters are left out on purpose: the engine words a crash-looping Pod differently between crashes (`8 restarts.`
 * ↔ `8 restarts, now in CrashLoopBackOff`, `is killing … after 30s` ↔ `kills … after 61s`), and every edit is a
 * chat.update and a notification in Slack. Node incidents look only at the node facts.
 */
export function newsOf(diagnosis: Diagnosis, scope: IncidentScope): IncidentNews {
  const evidence = diagnosis.evidence.filter((e) => scope !== 'node' || e.kind === 'node');
  const causes = scope === 'node' ? [diagnosis.cause] : [diagnosis.cause, ...diagnosis.otherCauses];
  return { causes: [...new Set(causes)].sort(), classes: [...new Set(evidence.map(evidenceClass))].sort() };
}

/**
 * A diagnosis's identity for "is this new evidence?" (newsOf, hashed), per Pod. The subject's own name is masked,
 * so two replicas failing the same way look the same.
 */
export function fingerprintOf(diagnosis: Diagnosis, scope: IncidentScope): string {
  return hash(newsOf(diagnosis, scope), diagnosis.subject.name);
}

/** `seen` with what `diagnosis` adds (both sorted sets). */
export function addNews(seen: IncidentNews | undefined, diagnosis: Diagnosis, scope: IncidentScope): IncidentNews {
  const news = newsOf(diagnosis, scope);
  if (!seen) return news;
  return { causes: [...new Set([...seen.causes, ...news.causes])].sort(), classes: [...new Set([...seen.classes, ...news.classes])].sort() };
}

/**
 * What an incident message has to tell: everything seen since it opened (Incident.seen, which only grows) and how
 * many Pods the incident has taken in. A class of evidence that comes and goes between crashes (the previous run's
 * log line, the CrashLoopBackOff state), a Pod Ready for a moment, a rewording: none of them changes it.
 */
export function shownFingerprintOf(incident: Incident): string {
  const seen = incident.seen ?? newsOf(incident.diagnosis, incident.scope);
  return hash({ seen, pods: Object.keys(incident.pods).length }, '');
}

/** Which kind of fact this is, without its wording: one class per event reason, exit-code container, node, field. */
function evidenceClass(e: Evidence): string {
  switch (e.kind) {
    case 'status':
      // The container's state flips between waiting (CrashLoopBackOff) and running between crashes: one class.
      return `status ${e.field.replace(/\.(state|lastState)(\..*)?$/, '')}`;
    case 'spec':
      return `spec ${e.field}`;
    case 'event':
      return `event ${e.type} ${e.reason}`;
    case 'exit-code':
      return `exit-code ${e.container}`;
    case 'node':
      return `node ${e.node}`;
    case 'quota':
      return `quota ${e.quota} ${e.resource}`;
    case 'log':
      return `log ${e.container}`;
    case 'change':
      return 'change';
  }
}

function hash(material: unknown, subjectName: string): string {
  const text = JSON.stringify(material);
  const masked = subjectName ? text.split(subjectName).join('<subject>') : text;
  return createHash('sha256').update(masked).digest('base64url').slice(0, 22);
}
