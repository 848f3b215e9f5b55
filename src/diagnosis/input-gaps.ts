/**
 * What the input lacks for the causes the engine could otherwise tell apart: a dump without Events (probe kills,
 * pull errors, mount failures, scheduling reasons, SystemOOM live there), or without Nodes (node loss, node pressure).
 * `podwhy diagnose` and `podwhy why` print these notes so the user can fetch more instead of trusting a thin answer.
 * Pure: snapshots and diagnoses in, sentences out.
 */
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { PodSnapshot, Snapshot } from '../contract/snapshot.ts';
import { CONTAINER_CREATING, POD_INITIALIZING } from '../contract/upstream.ts';
import { shellQuote } from '../contract/shell-quote.ts';
import { podEvents } from './support.ts';

/** Where the objects came from: a file the user exported, or the live cluster (`podwhy why`). */
export type InputSource = 'dump' | 'cluster';

/** At most this many Pods are named in one note. */
const MAX_NAMED = 3;

export function inputGaps(snapshots: readonly Snapshot[], diagnoses: readonly Diagnosis[], source: InputSource): string[] {
  const diagnosed = new Set(diagnoses.map((d) => d.subject.uid || `${d.subject.namespace}/${d.subject.name}`));
  const troubled = snapshots.filter((s): s is PodSnapshot => s.kind === 'Pod' && isTroubled(s, diagnosed));
  if (troubled.length === 0) return [];
  const namespaces = [...new Set(troubled.map((s) => s.pod.metadata.namespace ?? 'default'))];
  const ns = namespaces.length === 1 ? `-n ${shellQuote(namespaces[0] ?? 'default')}` : '-A';
  const notes: string[] = [];

  const withoutEvents = troubled.filter((s) => podEvents(s).length === 0);
  const noEventsAtAll = snapshots.every((s) => s.events.length === 0);
  const bound = troubled.filter((s) => s.pod.spec.nodeName);
  const noNodes = bound.length > 0 && bound.every((s) => s.nodes.length === 0 && !s.node);
  const export_ = `kubectl get pods,events,nodes ${ns} -o json > dump.json`;
  const eventsNeeded = 'probe kills, image pull errors, mount failures, scheduling reasons, system OOM kills';
  const nodesNeeded = 'a lost or NotReady node, node pressure';

  if (source === 'dump' && noEventsAtAll && noNodes) {
    notes.push(`Note: the input holds no Events and no Nodes, so what only they record (${eventsNeeded}; ${nodesNeeded}) cannot be seen. Export them with the Pods: ${export_}`);
    return notes;
  }
  if (source === 'dump' && noEventsAtAll) {
    notes.push(`Note: the input holds no Events, so what only they record (${eventsNeeded}) cannot be seen. Export them with the Pods: ${export_}`);
  } else if (withoutEvents.length > 0) {
    const named = withoutEvents.slice(0, MAX_NAMED).map((s) => s.pod.metadata.name).join(', ');
    const more = withoutEvents.length > MAX_NAMED ? ` and ${withoutEvents.length - MAX_NAMED} more` : '';
    notes.push(
      `Note: ${source === 'dump' ? 'the input' : 'the cluster'} has no Events about Pod ${named}${more} (Events expire after an hour by default), ` +
      `so what only they record (${eventsNeeded}) cannot be seen. Look again right after the next failure: kubectl get events ${ns} --sort-by=.lastTimestamp`,
    );
  }
  if (noNodes) {
    notes.push(
      source === 'dump'
        ? `Note: the input holds no Nodes, so ${nodesNeeded} and system OOM kills cannot be checked. Export them too: ${export_}`
        : `Note: no Nodes could be read, so ${nodesNeeded} and system OOM kills cannot be checked (reading Nodes needs a ClusterRole that may list them).`,
    );
  }
  return notes;
}

/** A Pod whose answer depends on what the input holds: one the engine diagnosed, or one visibly not running right. */
function isTroubled(snapshot: PodSnapshot, diagnosed: ReadonlySet<string>): boolean {
  const pod = snapshot.pod;
  const key = pod.metadata.uid || `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
  if (diagnosed.has(key)) return true;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return false;
  if (pod.metadata.deletionTimestamp || phase === 'Pending' || phase === 'Failed' || phase === 'Unknown') return true;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.some((s) => {
    const waiting = s.state?.waiting?.reason;
    return (waiting !== undefined && waiting !== CONTAINER_CREATING && waiting !== POD_INITIALIZING) || (s.state?.terminated?.exitCode ?? 0) !== 0;
  });
}
