/**
 * Helpers shared by the restart-related detectors (oom, liveness-probe, container-exit,
 * readiness-probe): which termination of a container we are looking at, whether it is current
 * or history, the BackOff evidence, the most telling log line, and the workload to edit.
 */
import type { Evidence } from '../../contract/diagnosis.ts';
import type { ContainerState, KubeEvent, Pod } from '../../contract/k8s.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot } from '../../contract/snapshot.ts';
import { CRASH_LOOP_BACK_OFF, EVENT_BACK_OFF, EVENT_FAILED } from '../../contract/upstream.ts';
import { clip, eventEvidence, eventLastSeen, podEvents, secondsBetween, type ContainerView } from '../support.ts';

// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff:
// "Back-off restarting failed container %s in pod %s" (the pod as format.Pod: name_namespace(uid)); older
// kubelets wrote just "Back-off restarting failed container" and named the container only in the event's fieldPath.
export const BACK_OFF_MESSAGE = /^Back-off restarting failed container(?: (\S+) in pod |$)/;

export type Terminated = NonNullable<ContainerState['terminated']>;

/** The termination of a container that explains its current trouble. */
export interface Termination {
  terminated: Terminated;
  /** `state`: the container is terminated now; `lastState`: it has been restarted since. */
  from: 'state' | 'lastState';
  /** e.g. `status.containerStatuses[app].lastState.terminated` */
  field: string;
  ranForSeconds: number | null;
  /** Seconds from finishedAt to observedAt. */
  finishedAgoSeconds: number | null;
}

/** The container's own termination: the current terminated state, else the last one. */
export function lastTermination(view: ContainerView, observedAt: string): Termination | null {
  const status = view.status;
  if (!status) return null;
  const fromState = status.state?.terminated;
  const terminated = fromState ?? status.lastState?.terminated;
  if (!terminated) return null;
  const from = fromState ? 'state' : 'lastState';
  const ranFor = secondsBetween(terminated.startedAt, terminated.finishedAt);
  return {
    terminated,
    from,
    field: `${view.statusPath}.${from}.terminated`,
    ranForSeconds: ranFor !== null && ranFor >= 0 ? ranFor : null,
    finishedAgoSeconds: secondsBetween(terminated.finishedAt, observedAt),
  };
}

/**
 * Whether a termination is the Pod's present problem rather than history: the container is
 * terminated or backing off now, or it restarted within settings.recentRestartSeconds. A
 * container that has been running again for longer than that is history, Ready or not.
 */
export function isCurrentTermination(view: ContainerView, termination: Termination, settings: EngineSettings): boolean {
  if (view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) return true;
  if (termination.from === 'state') return true;
  if (termination.finishedAgoSeconds === null) return view.status?.ready !== true;
  return termination.finishedAgoSeconds <= settings.recentRestartSeconds;
}

/** The app containers (init containers have their own detector). */
export function appContainers(views: readonly ContainerView[]): ContainerView[] {
  return views.filter((v) => !v.isInit);
}

const CONTAINER_FIELD_PATH = /^spec\.(?:initContainers|containers|ephemeralContainers)\{(.+)\}$/;

/** The container name an event is about, from involvedObject.fieldPath `spec.containers{name}`. */
export function eventContainer(event: KubeEvent): string | null {
  const match = CONTAINER_FIELD_PATH.exec(event.involvedObject.fieldPath ?? '');
  return match?.[1] ?? null;
}

/** Pod events for one container: by fieldPath, or by a container name the message itself carries. */
export function containerEvents(
  snapshot: PodSnapshot,
  container: string,
  reasons: readonly string[],
  maxAgeSeconds: number,
  nameInMessage?: RegExp,
): KubeEvent[] {
  return podEvents(snapshot, reasons, maxAgeSeconds).filter((event) => {
    const byPath = eventContainer(event);
    if (byPath !== null) return byPath === container;
    if (nameInMessage) return nameInMessage.exec(event.message ?? '')?.[1] === container;
    return true;
  });
}

// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer: Warning Failed "Error: %v" with
// the runtime's create/start error. Older kubelets: pkg/kubelet/dockertools/docker_manager.go (before the CRI) "Failed to
// start container with docker id %v with error: %v"; the first CRI kubelets "Failed to create container with error: %v"
// (as reported in kubernetes/kubernetes#42164).
const KUBELET_ERROR = /^(?:Error: |Failed to (?:create|start) container .*?with error: )([\s\S]+)$/;

/**
 * The runtime errors the kubelet recorded for a container (its Failed "Error: …" events), newest first, with the
 * runtime's own text. They still tell the story when the container status does not: a dump from an older kubelet or
 * one read right after a kubelet restart shows `lastState: {}` while the container waits in CrashLoopBackOff.
 */
export function kubeletErrors(snapshot: PodSnapshot, view: ContainerView, maxAgeSeconds: number): { event: KubeEvent; message: string }[] {
  const out: { event: KubeEvent; message: string }[] = [];
  for (const event of containerEvents(snapshot, view.name, [EVENT_FAILED], maxAgeSeconds)) {
    const path = event.involvedObject.fieldPath;
    if (path && path !== `spec.${view.isInit ? 'initContainers' : 'containers'}{${view.name}}`) continue;
    const message = KUBELET_ERROR.exec(event.message ?? '')?.[1];
    if (message) out.push({ event, message });
  }
  return out;
}

/**
 * The container waits in CrashLoopBackOff after restarts, but the kubelet reports no termination for it
 * (lastState {}): its exit code is unknown and the events must tell the story.
 */
export function isTerminationUnreported(view: ContainerView): boolean {
  const status = view.status;
  if (!status || status.restartCount === 0 || status.state?.waiting?.reason !== CRASH_LOOP_BACK_OFF) return false;
  return !status.state.terminated && !status.lastState?.terminated;
}

/** The kubelet's BackOff event for this container, if it has one. */
export function backOffEvidence(snapshot: PodSnapshot, container: string, settings: EngineSettings): Evidence | null {
  const event = containerEvents(snapshot, container, [EVENT_BACK_OFF], settings.eventStaleSeconds, BACK_OFF_MESSAGE).find((e) =>
    BACK_OFF_MESSAGE.test(e.message ?? ''),
  );
  return event ? eventEvidence(event, snapshot.observedAt) : null;
}

/** Evidence for where the container is now: CrashLoopBackOff, running again, or terminated. */
export function stateEvidence(view: ContainerView): Evidence[] {
  const status = view.status;
  if (!status) return [];
  const evidence: Evidence[] = [];
  const waiting = status.state?.waiting?.reason;
  if (waiting) evidence.push({ kind: 'status', field: `${view.statusPath}.state.waiting.reason`, value: waiting });
  evidence.push({ kind: 'status', field: `${view.statusPath}.restartCount`, value: String(status.restartCount) });
  return evidence;
}

/**
 * Whether an event (last seen at `at`) belongs to a termination: it happened while that
 * instance ran, up to the moment it finished plus a little clock skew. Events without a
 * timestamp cannot be placed and are accepted.
 */
export function happenedDuring(at: string | undefined, terminated: Terminated, slackSeconds: number): boolean {
  if (!at || !terminated.finishedAt) return true;
  const afterFinish = secondsBetween(terminated.finishedAt, at);
  if (afterFinish === null) return true;
  if (afterFinish > slackSeconds) return false;
  const sinceStart = secondsBetween(terminated.startedAt, at);
  return sinceStart === null || sinceStart >= -slackSeconds;
}

/** The event's last-seen time (re-exported for detectors that correlate events with terminations). */
export function lastSeen(event: KubeEvent): string | undefined {
  return eventLastSeen(event);
}

// Log lines that explain a crash, most telling first. Shell and libc wording:
// "sh: 1: foo: not found" (dash), "bash: foo: command not found", "exec /app: no such file or directory"
// (runc/Go), "exec format error" (wrong architecture); Go's "panic:" and "fatal error:"; JVM/Python exceptions.
const TELLING_LINES: readonly RegExp[] = [
  /command not found|: not found$|No such file or directory|no such file or directory|exec format error|[Pp]ermission denied/,
  /^panic:|^fatal error:|\bFATAL\b|\bFatal\b|Segmentation fault|SIGSEGV|core dumped/,
  /Exception\b|^Traceback|\bError:|\bERROR\b|^error:/,
  /\berror\b|\bfatal\b|\bfailed\b/i,
];

/** The log line that best explains a crash, preferring the previous (crashed) instance's log. */
export function tellingLogLine(snapshot: PodSnapshot, container: string, preferPrevious: boolean): Evidence | null {
  const tails = snapshot.logs.filter((t) => t.container === container && t.lines.length > 0);
  const ordered = [...tails].sort((a, b) => Number(b.previous === preferPrevious) - Number(a.previous === preferPrevious));
  const tail = ordered[0];
  if (!tail) return null;
  const lines = tail.lines.map((l) => l.trimEnd()).filter((l) => l.trim().length > 0);
  for (const pattern of TELLING_LINES) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return { kind: 'log', container, previous: tail.previous, line: clip(line) };
  }
  const last = lines.at(-1);
  return last ? { kind: 'log', container, previous: tail.previous, line: clip(last) } : null;
}

/**
 * The workload to edit for a spec change, as `kind/name` for kubectl (`deployment/web`), or null
 * for a bare Pod. A ReplicaSet's Deployment is named by stripping the pod-template-hash suffix
 * (kubernetes pkg/controller/deployment/sync.go names ReplicaSets `<deployment>-<hash>`).
 */
export function workloadRef(snapshot: PodSnapshot): string | null {
  const top = snapshot.owners.at(-1);
  if (top && top.kind !== 'ReplicaSet') return `${top.kind.toLowerCase()}/${top.metadata.name}`;
  // A ReplicaSet whose Deployment is not in the snapshot still names it in its ownerReferences.
  const rsOwner = top && controllerOf(top.metadata.ownerReferences);
  if (rsOwner) return `${rsOwner.kind.toLowerCase()}/${rsOwner.name}`;
  const ref = top ? { kind: 'ReplicaSet', name: top.metadata.name } : controllerOf(snapshot.pod.metadata.ownerReferences);
  if (!ref) return null;
  if (ref.kind === 'ReplicaSet') {
    const hash = snapshot.pod.metadata.labels?.['pod-template-hash'];
    if (hash && ref.name.endsWith(`-${hash}`)) return `deployment/${ref.name.slice(0, -(hash.length + 1))}`;
  }
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

function controllerOf(refs: Pod['metadata']['ownerReferences']): { kind: string; name: string } | undefined {
  return refs?.find((r) => r.controller) ?? refs?.[0];
}

/** A memory amount in Mi, rounded up, as kubectl accepts it. */
export function toMi(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)}Mi`;
}
