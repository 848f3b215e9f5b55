/**
 * Runs an `incident-action` job (docs/architecture.md, "Button click"): "Snooze" or "Mark resolved" on an incident's
 * message, after the gateway verified, authorized, aged and claimed the click. These change podwhy's own state, not
 * the cluster's, so they run on the agent of the incident's cluster, beside its incident manager; the outcome is the
 * thread line (a `reply` whose answer is an IncidentActionResult) and an audit log line.
 */
import type { IncidentActionResult } from '../contract/incident.ts';
import type { Logger } from '../log.ts';
import type { IncidentActionJob } from './jobs.ts';

/** The incident stage's side of it (src/incidents/recorder.ts implements it). */
export interface IncidentActions {
  snoozeIncident(id: string, scope: 'workload' | 'namespace', forMs: number, by: string): Promise<{ outcome: IncidentActionResult['outcome']; target: string; untilMs?: number }>;
  markResolved(id: string, by: string): Promise<{ outcome: IncidentActionResult['outcome']; incident?: { subject: { kind: string; name: string } }; stillFailing?: number }>;
}

export async function executeIncidentAction(job: IncidentActionJob, incidents: IncidentActions, log: Logger | undefined): Promise<IncidentActionResult> {
  const started = Date.now();
  const result = await decide(job, incidents);
  log?.info(
    { audit: 'incident-action', cluster: job.cluster, user: job.requestedBy, action: job.action, incident: job.incidentId, snooze: job.snooze, requestId: job.requestId, channel: job.replyTo.channel, outcome: result.outcome, untilMs: result.untilMs, latencyMs: Date.now() - started },
    'Incident action',
  );
  return result;
}

async function decide(job: IncidentActionJob, incidents: IncidentActions): Promise<IncidentActionResult> {
  const base = { kind: 'incident-action' as const, action: job.action, by: job.requestedBy };
  if (job.action === 'snooze' && job.snooze) {
    const { scope, seconds } = job.snooze;
    const snoozed = await incidents.snoozeIncident(job.incidentId, scope, seconds * 1000, job.requestedBy);
    return { ...base, target: snoozed.target, outcome: snoozed.outcome, ...(snoozed.untilMs !== undefined && { untilMs: snoozed.untilMs, forSeconds: seconds }) };
  }
  const resolved = await incidents.markResolved(job.incidentId, job.requestedBy);
  const subject = resolved.incident?.subject;
  return {
    ...base,
    target: subject ? `${subject.kind}/${subject.name}` : `${job.subject.kind === 'Pod' ? 'Pod' : job.subject.ownerKind}/${job.subject.name}`,
    outcome: resolved.outcome,
    ...(resolved.stillFailing !== undefined && { stillFailing: resolved.stillFailing }),
  };
}
