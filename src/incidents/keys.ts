import type { Diagnosis, Evidence } from '../contract/diagnosis.ts';
import type { IncidentPod, IncidentScope } from '../contract/incident.ts';
import type { CauseId } from '../contract/scenarios.ts';
import { PodwhyError } from '../errors.ts';

/**
 * Which incident a diagnosis belongs to. Pure.
 * - one incident per (cluster, namespace, owner workload — or the Pod when it has none, cause): the
 *   replicas of one Deployment failing the same way are one incident with a count;
 * - Pods failing because their node is lost are one node incident per (cluster, node).
 * Ids carry no ':' (they end up in Redis keys and BullMQ job data) and start with the cluster.
 */

/** One diagnosis as the incident manager records it. */
export interface Observation {
  cluster: string;
  diagnosis: Diagnosis;
  /** The top controller (e.g. the Deployment, not its ReplicaSet); absent for bare Pods. */
  owner?: { kind: string; name: string };
  /** spec.nodeName of the Pod, for node incidents. */
  node?: string;
  /** From src/notify/channel-routing.ts. */
  channel: string;
  /** snapshot.observedAt (RFC 3339). */
  observedAt: string;
}

export interface IncidentKey {
  id: string;
  scope: IncidentScope;
  namespace: string | null;
  subject: { kind: string; name: string };
}

const NODE_LOST_CAUSES: ReadonlySet<CauseId> = new Set<CauseId>(['unknown.node-lost', 'terminating.node-lost']);

/**
 * The owner an incident is keyed on: the top of the owner chain (snapshot.owners is nearest first), so the
 * Pods of all ReplicaSets of one Deployment, or all Jobs of one CronJob, are one incident.
 */
export function incidentOwnerOf(owners: readonly { kind: string; metadata: { name: string } }[]): { kind: string; name: string } | undefined {
  const top = owners.at(-1);
  return top ? { kind: top.kind, name: top.metadata.name } : undefined;
}

/** The incident an observation belongs to (its channel plays no part). */
export function incidentKeyOf(observation: Omit<Observation, 'channel'>): IncidentKey {
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

/** The storm digest of one channel. */
export function digestIdOf(cluster: string, channel: string): string {
  return `${cluster}/_digest/${channel}`;
}

/** The cluster part of an incident or digest id. */
export function clusterOfId(id: string): string {
  const slash = id.indexOf('/');
  if (slash <= 0) throw new PodwhyError('bad-input', `Not an incident id: ${id}`);
  return id.slice(0, slash);
}

/** The Pod (or workload subject) a diagnosis is about, as an incident member. */
export function memberOf(diagnosis: Diagnosis): Omit<IncidentPod, 'state' | 'since'> {
  const { subject } = diagnosis;
  return { uid: subject.uid || `${subject.kind}-${subject.namespace}-${subject.name}`, namespace: subject.namespace, name: subject.name };
}

function nodeFromEvidence(evidence: Evidence[]): string | undefined {
  for (const e of evidence) if (e.kind === 'node') return e.node;
  return undefined;
}
