/**
 * The cheap predicate run on every informer event: does this object look like it is entering a
 * failure state, since when, and how long must that last before it is worth a diagnosis? Pure and
 * O(containers): it runs on every Pod update in the cluster. The engine decides what is wrong;
 * this only decides what is worth asking about, and when.
 */
import type { KubeEvent, Node, Pod, Workload } from '../contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../contract/settings.ts';

export const CANDIDATE_HINTS = [
  'terminating', 'pre-stop', 'unknown', 'evicted', 'unschedulable', 'create-failed', 'config', 'creating', 'image-pull', 'init',
  'crash', 'oom', 'restarted', 'not-ready', 'node-not-ready',
] as const;
export type CandidateHint = (typeof CANDIDATE_HINTS)[number];

export interface CandidateSubject {
  kind: 'Pod' | 'Workload' | 'Node';
  /** For workloads, the controller kind (ReplicaSet, Job, …). */
  objectKind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface Candidate {
  subject: CandidateSubject;
  hint: CandidateHint;
  /** When the failing state began (RFC 3339), as far as the object tells. */
  since: string;
  /** The earliest moment to diagnose it: since + the hint's stabilization window (epoch ms). */
  dueAtMs: number;
}

/** Seconds a state must persist before it is diagnosed. Deterministic failures have 0. */
export interface StabilizationWindows {
  unschedulable: number;
  /** The back-off between the first and second pull is 10 s: a window past it means "on the second failed pull". */
  imagePull: number;
  config: number;
  creating: number;
  notReady: number;
  /** Past deletionTimestamp (which already includes the grace period). */
  terminatingOverdue: number;
  nodeNotReady: number;
  createFailed: number;
  /** A restart whose container finished longer ago than this is history. */
  recentRestart: number;
}

/**
 * Windows from the STABILIZE_SECONDS setting. A window never ends before the engine's own threshold for
 * the same state: a diagnosis asked for earlier finds nothing, and the next try is a refresh (a minute) away.
 */
export function windowsFrom(stabilizeSeconds: number, engine: EngineSettings = DEFAULT_ENGINE_SETTINGS): StabilizationWindows {
  return {
    unschedulable: Math.max(stabilizeSeconds, engine.unschedulableAfterSeconds),
    imagePull: Math.min(stabilizeSeconds, 20),
    config: Math.min(stabilizeSeconds, 30),
    creating: Math.max(stabilizeSeconds, engine.stuckCreatingAfterSeconds),
    notReady: Math.max(stabilizeSeconds, engine.notReadyAfterSeconds),
    terminatingOverdue: Math.max(stabilizeSeconds, engine.terminatingOverdueSeconds),
    nodeNotReady: engine.notReadyAfterSeconds,
    createFailed: Math.min(stabilizeSeconds, 15),
    recentRestart: engine.recentRestartSeconds,
  };
}

const IMAGE_PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
// These are definitive as soon as they appear: retrying will not change the answer.
const DEFINITIVE_IMAGE_WAITING = new Set(['InvalidImageName', 'ErrImageNeverPull']);
const CREATE_WAITING = new Set(['CreateContainerError', 'RunContainerError', 'PreCreateHookError', 'PreStartHookError', 'PostStartHookError']);
const CREATING_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

function ms(iso: string | undefined): number | null {
  if (!iso) return null;
  const value = Date.parse(iso);
  return Number.isNaN(value) ? null : value;
}

function podSubject(pod: Pod): CandidateSubject {
  return { kind: 'Pod', objectKind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, uid: pod.metadata.uid ?? '' };
}

function candidate(pod: Pod, hint: CandidateHint, since: string | undefined, windowSeconds: number, nowMs: number): Candidate {
  const sinceMs = ms(since) ?? nowMs;
  return { subject: podSubject(pod), hint, since: new Date(sinceMs).toISOString(), dueAtMs: sinceMs + windowSeconds * 1000 };
}

/** Healthy: Running and Ready, or Succeeded. Used to resolve incidents. */
export function isPodHealthy(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return true;
  if (phase !== 'Running') return false;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The first failure-looking state of the Pod, in the engine's priority order, or null. */
export function podCandidate(pod: Pod, nowMs: number, windows: StabilizationWindows): Candidate | null {
  const status = pod.status ?? {};
  if (pod.metadata.deletionTimestamp) {
    return candidate(pod, 'terminating', pod.metadata.deletionTimestamp, windows.terminatingOverdue, nowMs);
  }
  if (status.phase === 'Succeeded') return null;
  if (status.phase === 'Unknown') return candidate(pod, 'unknown', undefined, 0, nowMs);
  if (status.phase === 'Failed') {
    return status.reason === 'Evicted' ? candidate(pod, 'evicted', undefined, 0, nowMs) : candidate(pod, 'crash', undefined, 0, nowMs);
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return candidate(pod, 'unschedulable', scheduled.lastTransitionTime ?? pod.metadata.creationTimestamp, windows.unschedulable, nowMs);
  }
  const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  const initNames = new Set((status.initContainerStatuses ?? []).map((s) => s.name));
  for (const container of statuses) {
    const reason = container.state?.waiting?.reason;
    if (!reason) continue;
    if (IMAGE_PULL_WAITING.has(reason)) {
      return candidate(pod, 'image-pull', undefined, DEFINITIVE_IMAGE_WAITING.has(reason) ? 0 : windows.imagePull, nowMs);
    }
    if (reason === 'CreateContainerConfigError') return candidate(pod, 'config', undefined, windows.config, nowMs);
    if (CREATE_WAITING.has(reason)) return candidate(pod, 'create-failed', undefined, 0, nowMs);
    if (reason === 'CrashLoopBackOff') {
      const hint = container.lastState?.terminated?.reason === 'OOMKilled' ? 'oom' : initNames.has(container.name) ? 'init' : 'crash';
      return candidate(pod, hint, container.lastState?.terminated?.finishedAt, 0, nowMs);
    }
  }
  for (const container of statuses) {
    const terminated = container.state?.terminated;
    if (terminated && terminated.exitCode !== 0 && pod.spec.restartPolicy === 'Never') {
      return candidate(pod, initNames.has(container.name) ? 'init' : 'crash', terminated.finishedAt, 0, nowMs);
    }
    const last = container.lastState?.terminated;
    const finished = ms(last?.finishedAt);
    if (last && container.restartCount > 0 && finished !== null && nowMs - finished <= windows.recentRestart * 1000) {
      return candidate(pod, last.reason === 'OOMKilled' ? 'oom' : 'restarted', last.finishedAt, 0, nowMs);
    }
  }
  if (status.phase === 'Pending' && scheduled?.status === 'True') {
    const waiting = statuses.some((c) => CREATING_WAITING.has(c.state?.waiting?.reason ?? '')) || statuses.length === 0;
    if (waiting) return candidate(pod, 'creating', scheduled.lastTransitionTime ?? pod.metadata.creationTimestamp, windows.creating, nowMs);
    if (initNames.size > 0) return candidate(pod, 'init', scheduled.lastTransitionTime, windows.creating, nowMs);
  }
  if (status.phase === 'Running') {
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    if (ready && ready.status !== 'True') {
      return candidate(pod, 'not-ready', ready.lastTransitionTime ?? status.startTime, windows.notReady, nowMs);
    }
  }
  return null;
}

/** Warning events that should make the agent look at their object again right away. */
export const TRIGGER_EVENT_REASONS: ReadonlySet<string> = new Set([
  'FailedScheduling', 'FailedMount', 'FailedAttachVolume', 'Unhealthy', 'BackOff', 'Failed', 'Evicted',
  'FailedPostStartHook', 'FailedPreStopHook', 'FailedKillPod', 'FailedCreatePodSandBox', 'FailedCreate', 'SystemOOM',
  'OOMKilling', 'NodeNotReady', 'TaintManagerEviction', 'Preempted',
]);

export interface EventTrigger {
  kind: string;
  namespace: string;
  name: string;
  uid: string | undefined;
  reason: string;
}

/** Which object a Warning event asks us to re-examine, or null for events that are not signals. */
export function eventTrigger(event: KubeEvent): EventTrigger | null {
  const reason = event.reason ?? '';
  if (event.type !== 'Warning' && reason !== 'NodeNotReady') return null;
  if (!TRIGGER_EVENT_REASONS.has(reason)) return null;
  const ref = event.involvedObject;
  if (!ref.kind || !ref.name) return null;
  return { kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name, uid: ref.uid, reason };
}

/**
 * The controllers that create Pods themselves, and so report a Pod they could not create (quota, PodSecurity
 * or a webhook refusing it, a missing ServiceAccount) with a Warning FailedCreate event on themselves
 * (pkg/controller/controller_utils.go: FailedCreatePodReason "FailedCreate", used by the ReplicaSet, DaemonSet
 * and Job controllers' PodControl; pkg/controller/statefulset/stateful_pod_control.go records its own
 * "FailedCreate"). A Deployment creates ReplicaSets, not Pods: its ReplicaSet is the subject, and the incident
 * keys on the top owner (src/incidents/recorder.ts).
 */
export const POD_CREATING_KINDS: ReadonlySet<string> = new Set(['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

function workloadSubjectCandidate(subject: CandidateSubject, sinceMs: number, windows: StabilizationWindows): Candidate {
  return { subject, hint: 'create-failed', since: new Date(sinceMs).toISOString(), dueAtMs: sinceMs + windows.createFailed * 1000 };
}

/** An owner's FailedCreate (quota, admission): the workload itself is the subject, since no Pod exists. */
export function workloadCandidate(trigger: EventTrigger, event: KubeEvent, nowMs: number, windows: StabilizationWindows): Candidate | null {
  if (trigger.reason !== 'FailedCreate' || !trigger.uid) return null;
  const since = ms(event.firstTimestamp ?? event.eventTime ?? event.lastTimestamp) ?? nowMs;
  return workloadSubjectCandidate(
    { kind: 'Workload', objectKind: trigger.kind, namespace: trigger.namespace, name: trigger.name, uid: trigger.uid },
    since,
    windows,
  );
}

/**
 * A workload whose own status says it cannot create its Pods. Only the ReplicaSet has such a condition:
 * ReplicaFailure=True with reason FailedCreate (pkg/controller/replicaset/replica_set_utils.go calculateStatus,
 * apps.ReplicaSetReplicaFailure), which the Deployment controller copies onto the Deployment
 * (pkg/controller/deployment/progress.go getReplicaFailures, util.ReplicaSetToDeploymentCondition) — the
 * ReplicaSet's is watched, the Deployment's would be the same failure twice. StatefulSet, DaemonSet and Job
 * have no condition for it (their controllers only record the FailedCreate event, see workloadCandidate).
 */
export function workloadConditionCandidate(workload: Workload, nowMs: number, windows: StabilizationWindows): Candidate | null {
  if (workload.kind !== 'ReplicaSet' || !workload.metadata.uid) return null;
  const failure = workload.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (!failure) return null;
  return workloadSubjectCandidate(
    { kind: 'Workload', objectKind: workload.kind, namespace: workload.metadata.namespace ?? '', name: workload.metadata.name, uid: workload.metadata.uid },
    ms(failure.lastTransitionTime) ?? nowMs,
    windows,
  );
}

/**
 * A terminating Pod whose preStop hook failed (the kubelet's Warning FailedPreStopHook,
 * pkg/kubelet/kuberuntime/kuberuntime_container.go executePreStopHook). The hook ran and failed: nothing
 * will change that, so there is no window, unlike the overdue-termination one (which only starts after the
 * grace period, when the Pod is usually gone). `event` is the cached FailedPreStopHook about this Pod.
 */
export function preStopCandidate(pod: Pod, event: KubeEvent, nowMs: number): Candidate | null {
  if (!pod.metadata.deletionTimestamp) return null;
  return candidate(pod, 'pre-stop', event.firstTimestamp ?? event.eventTime ?? event.lastTimestamp, 0, nowMs);
}

/** A node whose Ready condition is not True; the pods on it are then diagnosed (and grouped as one node incident). */
export function nodeCandidate(node: Node, nowMs: number, windows: StabilizationWindows): Candidate | null {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return null;
  const since = ms(ready.lastTransitionTime) ?? nowMs;
  return {
    subject: { kind: 'Node', objectKind: 'Node', namespace: '', name: node.metadata.name, uid: node.metadata.uid ?? node.metadata.name },
    hint: 'node-not-ready',
    since: new Date(since).toISOString(),
    dueAtMs: since + windows.nodeNotReady * 1000,
  };
}
