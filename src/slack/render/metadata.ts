/**
 * Slack message metadata on every diagnosis and incident message, so that other apps and a restarted
 * gateway can tell what a message is about without parsing its text. Pure.
 * See https://docs.slack.dev/messaging/message-metadata (event_type + a flat event_payload).
 */
import type { Diagnosis } from '../../contract/diagnosis.ts';
import type { Digest, Incident } from '../../contract/incident.ts';
import type { SlackMessageMetadata } from './blocks.ts';
import { sanitize } from './escape.ts';

export const METADATA_EVENT_TYPES = {
  diagnosis: 'podwhy_diagnosis',
  incident: 'podwhy_incident',
  digest: 'podwhy_digest',
} as const;

/**
 * What a podwhy message is about. Kubernetes names are at most 253 characters; longer values are not
 * names, and are cut rather than carried whole (metadata is data, so no marker is appended).
 */
export interface PodwhyMessageFacts {
  cluster?: string | undefined;
  namespace?: string | undefined;
  kind?: string | undefined;
  name?: string | undefined;
  uid?: string | undefined;
  scenario?: string | undefined;
  /** Full cause id, `scenario.cause`. */
  cause?: string | undefined;
  incident_id?: string | undefined;
  /** Incidents: 'open' or 'resolved'. */
  status?: string | undefined;
  /** Incidents: 1, then +1 per re-open. */
  occurrence?: number | undefined;
}

const MAX_METADATA_VALUE = 1_000;

function payloadOf(facts: Record<string, string | number | undefined>): SlackMessageMetadata['event_payload'] {
  const payload: SlackMessageMetadata['event_payload'] = {};
  for (const [key, value] of Object.entries(facts)) {
    if (typeof value === 'number' && Number.isFinite(value)) payload[key] = value;
    if (typeof value === 'string' && value !== '') payload[key] = sanitize(value).slice(0, MAX_METADATA_VALUE);
  }
  return payload;
}

/** Metadata of a diagnosis message (thread reply, `/pod why` answer). */
export function diagnosisMetadata(diagnosis: Diagnosis, cluster: string, incidentId?: string): SlackMessageMetadata {
  return {
    event_type: METADATA_EVENT_TYPES.diagnosis,
    event_payload: payloadOf({
      cluster,
      namespace: diagnosis.subject.namespace,
      kind: diagnosis.subject.kind,
      name: diagnosis.subject.name,
      uid: diagnosis.subject.uid,
      scenario: diagnosis.scenario,
      cause: diagnosis.cause,
      incident_id: incidentId,
    }),
  };
}

/** Metadata of a diagnosis answer that found no problem, or that lists several Pods (no single cause). */
export function subjectMetadata(facts: Omit<PodwhyMessageFacts, 'scenario' | 'cause'> & { query?: string; pods?: number }): SlackMessageMetadata {
  return { event_type: METADATA_EVENT_TYPES.diagnosis, event_payload: payloadOf(facts) };
}

/**
 * Metadata of an incident's parent message. The uid is the subject's own, known only when the latest
 * diagnosis is about the incident's subject itself (a Pod incident, a workload with no Pods).
 */
export function incidentMetadata(incident: Incident): SlackMessageMetadata {
  const { subject } = incident.diagnosis;
  const sameSubject = subject.kind === incident.subject.kind && subject.name === incident.subject.name;
  return {
    event_type: METADATA_EVENT_TYPES.incident,
    event_payload: payloadOf({
      cluster: incident.cluster,
      namespace: incident.namespace ?? undefined,
      kind: incident.subject.kind,
      name: incident.subject.name,
      uid: sameSubject ? subject.uid : undefined,
      scenario: incident.diagnosis.scenario,
      cause: incident.cause,
      incident_id: incident.id,
      status: incident.status,
      occurrence: incident.occurrence,
    }),
  };
}

/** Metadata of a storm digest message: which digest it is, so a restarted gateway can edit it. */
export function digestMetadata(digest: Digest): SlackMessageMetadata {
  return {
    event_type: METADATA_EVENT_TYPES.digest,
    event_payload: { ...payloadOf({ cluster: digest.cluster, incident_id: digest.id }), total: digest.total },
  };
}
