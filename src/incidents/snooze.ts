import type { Incident, IncidentScope } from '../contract/incident.ts';
import { PodwhyError } from '../errors.ts';

/**
 * Snoozes (namespace, workload, node) keep an incident tracked but stop its notifications until they end.
 * A snooze is stored under a scope string; an incident is snoozed while any of its scopes is.
 */

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

/** The scopes whose snooze silences an incident of this key. */
export function snoozeScopes(scope: IncidentScope, namespace: string | null, subject: { kind: string; name: string }): string[] {
  if (scope === 'node') return [`node/${subject.name}`];
  return [`namespace/${namespace}`, `workload/${namespace}/${subject.kind}/${subject.name}`];
}

export function snoozeScopesOf(incident: Incident): string[] {
  return snoozeScopes(incident.scope, incident.namespace, incident.subject);
}

/** The one scope a snooze request sets. Throws PodwhyError 'bad-input' for a request that names none. */
export function snoozeScopeOf(request: Omit<SnoozeRequest, 'untilMs'>): string {
  if (request.node) return `node/${request.node}`;
  if (!request.namespace) throw new PodwhyError('bad-input', 'A snooze needs a namespace (with or without a workload) or a node');
  if (request.workload) return `workload/${request.namespace}/${request.workload.kind}/${request.workload.name}`;
  return `namespace/${request.namespace}`;
}

/**
 * Drops the snooze the incident's parent shows (Incident.snooze) once it has ended; true when it did, so the caller
 * edits the parent even with nothing else to say.
 */
export function endShownSnooze(incident: Incident, now: number): boolean {
  if (!incident.snooze || incident.snooze.untilMs > now) return false;
  delete incident.snooze;
  return true;
}
