/**
 * The early exit for the common case: a Pod that is plainly healthy, which is most of a cluster. When this holds,
 * no detector in scenarios/index.ts and not the last-resort rule can find anything, so the engine skips them
 * (engine.ts). Each condition below is what one or more detectors need before they look any further:
 *
 * - not being deleted, phase Running, no status.reason: terminating, evicted (Failed/Evicted, preemption, shutdown),
 *   unknown (NodeLost), unschedulable (Pending only), dependency/init/container-exit/oom/liveness (deletion, phase);
 * - only the conditions a healthy Pod has (PodScheduled, PodReadyToStartContainers, Initialized, ContainersReady,
 *   Ready), every one True: no DisruptionTarget (evicted), Initialized True (init), Ready True (readiness-probe,
 *   last-resort), PodScheduled True (unschedulable, dependency's volume binding);
 * - its node Ready, or not in the snapshot (lost only if the Pod says so, and a Running Ready one does not): unknown;
 * - every app container running (not waiting or terminated) and Ready, with no current termination (a last
 *   termination the crash detectors themselves call history, crash-support.ts isCurrentTermination): image-pull,
 *   container-create, dependency (waiting/terminated states), oom, liveness-probe, container-exit (terminations),
 *   hook (PostStartHookError waiting), container-create's RBAC log scan (failing containers only); every init
 *   container Completed with exit 0, or running as above (a sidecar);
 * - every event Normal and one of the start-up reasons below: hook (FailedPostStartHook, FailedPreStopHook),
 *   liveness-probe (Killing), evicted (Preempting, TaintManagerEviction), oom (SystemOOM), and every Warning.
 *
 * Anything else (a Workload snapshot, a condition type not listed, an event outside the list) takes the full path,
 * so a new detector that reads something else only needs this list kept in step with it. Pure, like the engine.
 */
import type { Pod } from '../contract/k8s.ts';
import type { EngineSettings } from '../contract/settings.ts';
import type { Snapshot } from '../contract/snapshot.ts';
import { isCurrentTermination, lastTermination } from './scenarios/crash-support.ts';
import { containers } from './support.ts';

const HEALTHY_CONDITION_TYPES: ReadonlySet<string> = new Set(['PodScheduled', 'PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

/**
 * Normal events of a Pod's ordinary start and of its owners' scaling.
 * source: kubernetes pkg/kubelet/events/event.go (Pulling, Pulled, Created, Started), pkg/scheduler/schedule_one.go
 * (Scheduled), pkg/controller/replicaset and statefulset (SuccessfulCreate), pkg/controller/deployment (ScalingReplicaSet),
 * pkg/controller/volume/attachdetach (SuccessfulAttachVolume).
 */
const START_UP_EVENT_REASONS: ReadonlySet<string> = new Set(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started', 'SuccessfulCreate', 'ScalingReplicaSet', 'SuccessfulAttachVolume']);

export function isPlainlyHealthy(snapshot: Snapshot, settings: EngineSettings): boolean {
  if (snapshot.kind !== 'Pod') return false;
  const pod = snapshot.pod;
  const status = pod.status;
  if (pod.metadata.deletionTimestamp || status?.phase !== 'Running' || status.reason !== undefined) return false;
  if (!hasOnlyHealthyConditions(pod)) return false;
  // A node missing from the snapshot counts as lost only when the Pod says so too (unknown.ts isLost), and this one does not.
  const nodeName = pod.spec.nodeName;
  const node = nodeName ? (snapshot.node ?? snapshot.nodes.find((n) => n.metadata.name === nodeName)) : undefined;
  if (node && node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') return false;
  for (const event of snapshot.events) {
    if (event.type !== 'Normal' || !START_UP_EVENT_REASONS.has(event.reason ?? '')) return false;
  }
  for (const view of containers(pod)) {
    const containerStatus = view.status;
    const state = containerStatus?.state;
    if (!containerStatus || !state || state.waiting) return false;
    // A completed init container; a running one (a sidecar) must pass what an app container passes.
    if (view.isInit && state.terminated) {
      if (state.terminated.exitCode !== 0 || state.terminated.reason !== 'Completed') return false;
      continue;
    }
    if (!state.running || state.terminated || containerStatus.ready !== true) return false;
    const termination = lastTermination(view, snapshot.observedAt);
    if (termination && isCurrentTermination(view, termination, settings)) return false;
  }
  return true;
}

function hasOnlyHealthyConditions(pod: Pod): boolean {
  const conditions = pod.status?.conditions;
  if (!conditions) return false;
  let ready = false;
  let initialized = false;
  for (const condition of conditions) {
    if (condition.status !== 'True' || !HEALTHY_CONDITION_TYPES.has(condition.type)) return false;
    if (condition.type === 'Ready') ready = true;
    if (condition.type === 'Initialized') initialized = true;
  }
  // The init detector trusts only Initialized=True to call earlier init failures history.
  const hasInit = (pod.spec.initContainers?.length ?? 0) > 0 || (pod.status?.initContainerStatuses?.length ?? 0) > 0;
  return ready && (initialized || !hasInit);
}
