/**
 * The parts of kube-controller-manager and the kubelet the simulator plays: the ReplicaSet and
 * Deployment controllers (replacements, FailedCreate, status), the node lifecycle controller and taint
 * manager (node loss, NoExecute evictions), and the kubelet's side of graceful deletion.
 */
import type { Condition, Node, Pod, Workload } from '../../contract/k8s.ts';
import {
  CONDITION_DISRUPTION_TARGET,
  EVENT_KILLING,
  EVENT_TAINT_MANAGER_EVICTION,
  FAILED_CREATE,
  TAINT_MANAGER_MARKING_PREFIX,
  TAINT_UNREACHABLE,
} from '../../contract/upstream.ts';
import type { EventSpec } from './events.ts';
import { iso } from './ids.ts';
import { conditionOf, heartbeatNode, isReady, lostNode, restoredNode } from './nodes.ts';
import { pendingPlan } from './plans.ts';
import { controllerRetryCount } from './timelines.ts';
import { fieldPath, podObject, podRefOf, REVISION_ANNOTATION } from './workloads.ts';
import { key, rsOwner, type ReplicaSetRecord, type SimState, type WorkloadRecord } from './state.ts';

/** Makes one failing Pod of a ReplicaSet whose Pods fail by a cause (supplied by the cause table). */
export type FailingPodMaker = (state: SimState, workload: WorkloadRecord, rs: ReplicaSetRecord, atMs: number) => void;

// ---------- the kubelet's side of deletion ----------

/** Sets deletionTimestamp as a graceful DELETE at atMs would (the simulator's back door, for backdated deletions). */
export function markDeleted(state: SimState, pod: Pod, atMs: number, graceSeconds: number): Pod | undefined {
  return state.updatePod(pod, (next) => {
    next.metadata.deletionTimestamp = iso(atMs + graceSeconds * 1000);
    next.metadata.deletionGracePeriodSeconds = graceSeconds;
  });
}

/**
 * The kubelet stops a deleted Pod's containers ("Stopping container %s") and, once they are gone,
 * deletes the Pod with grace 0; finalizers keep the object after that.
 * source: kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (killContainer: Normal Killing
 *   "Stopping container %s"); pkg/kubelet/status/status_manager.go (canBeDeleted → Delete with GracePeriodSeconds 0).
 */
export function terminatePod(state: SimState, pod: Pod, atMs: number, exitAfterSeconds: number): void {
  const node = pod.spec.nodeName;
  if (!node) return;
  const ns = pod.metadata.namespace ?? 'default';
  state.writeEvents(
    pod.spec.containers.map((c): EventSpec => ({
      key: `Killing|${c.name}|${atMs}`,
      involved: { ...podRefOf(pod), fieldPath: fieldPath(c.name) },
      namespace: ns,
      type: 'Normal',
      reason: EVENT_KILLING,
      message: `Stopping container ${c.name}`,
      source: { component: 'kubelet', host: node },
      count: 1,
      firstMs: atMs,
      lastMs: atMs,
    })),
  );
  const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  const uid = pod.metadata.uid;
  state.schedule(atMs + Math.min(exitAfterSeconds, grace) * 1000, (at) => finishTermination(state, ns, pod.metadata.name, uid, at));
}

/** The containers are gone: the kubelet's final delete (grace 0). A Pod on a lost node waits for its kubelet. */
export function finishTermination(state: SimState, namespace: string, name: string, uid: string | undefined, _atMs: number): void {
  const pod = state.pod(namespace, name);
  if (!pod || pod.metadata.uid !== uid || !pod.metadata.deletionTimestamp) return;
  if (pod.spec.nodeName && state.lostNodes.has(pod.spec.nodeName)) return;
  if (state.unkillable.has(key(namespace, name))) return;
  state.store.finalizeDeletion('pods', namespace, name);
  state.tracked.delete(key(namespace, name));
  const owner = pod.metadata.ownerReferences?.[0];
  if (owner) markOwnerDirty(state, namespace, owner.uid);
}

function markOwnerDirty(state: SimState, namespace: string, rsUid: string): void {
  for (const w of state.workloads.values()) {
    if (w.namespace === namespace && w.replicaSets.some((rs) => rs.uid === rsUid)) state.dirty.add(key(w.namespace, w.name));
  }
}

// ---------- ReplicaSet controller ----------

function isActive(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded';
}

/**
 * Brings a ReplicaSet to its replica count: creates Pods (or records FailedCreate when admission refuses
 * them) and deletes surplus ones, then writes its status.
 * source: kubernetes/kubernetes pkg/controller/replicaset/replica_set.go (manageReplicas, FilterActivePods:
 *   terminating and terminal Pods do not count); pkg/controller/controller_utils.go (FailedCreatePodReason
 *   "FailedCreate", "Error creating: %v"; SuccessfulCreate "Created pod: %v"; SuccessfulDelete "Deleted pod: %v");
 *   pkg/controller/replicaset/replica_set_utils.go (ReplicaFailure condition).
 */
export function reconcileReplicaSet(state: SimState, w: WorkloadRecord, rs: ReplicaSetRecord, atMs: number, makeFailing: FailingPodMaker): void {
  const rsRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.name, namespace: w.namespace, uid: rs.uid };
  const controllerEvent = (reason: string, type: 'Normal' | 'Warning', message: string, k: string): EventSpec => ({
    key: k,
    involved: rsRef,
    namespace: w.namespace,
    type,
    reason,
    message,
    source: { component: 'replicaset-controller' },
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  });
  const pods = state.podsOf(w.namespace, rs.uid);
  const active = pods.filter(isActive);
  if (rs.blocked) {
    renderFailedCreate(state, w, rs, atMs);
  } else if (active.length < rs.replicas) {
    for (let i = active.length; i < rs.replicas; i++) {
      const before = new Set(state.podsOf(w.namespace, rs.uid).map((p) => p.metadata.name));
      if (rs.pods.kind === 'cause') makeFailing(state, w, rs, atMs);
      else createReplacement(state, w, rs, atMs);
      const created = state.podsOf(w.namespace, rs.uid).find((p) => !before.has(p.metadata.name));
      if (created) state.writeEvents([controllerEvent('SuccessfulCreate', 'Normal', `Created pod: ${created.metadata.name}`, `SuccessfulCreate|${created.metadata.name}`)]);
    }
  } else if (active.length > rs.replicas) {
    // Pending Pods go first, then not-ready ones, then the youngest (controller.ActivePods ordering).
    const ranked = [...active].sort((a, b) => rankForDeletion(a) - rankForDeletion(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
    for (const pod of ranked.slice(0, active.length - rs.replicas)) {
      deletePodGracefully(state, pod, atMs);
      state.writeEvents([controllerEvent('SuccessfulDelete', 'Normal', `Deleted pod: ${pod.metadata.name}`, `SuccessfulDelete|${pod.metadata.name}`)]);
    }
  }
  writeReplicaSetStatus(state, w, rs);
}

function rankForDeletion(pod: Pod): number {
  if (!pod.spec.nodeName) return 0;
  if (pod.status?.phase === 'Pending') return 1;
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 3 : 2;
}

/** A DELETE at atMs with the Pod's own grace period; the kubelet then stops it (1 s for a well-behaved app). */
export function deletePodGracefully(state: SimState, pod: Pod, atMs: number, exitAfterSeconds = 1): void {
  const ns = pod.metadata.namespace ?? 'default';
  const terminal = pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
  if (!pod.spec.nodeName || terminal) {
    // source: pkg/registry/core/pod/strategy.go (CheckGracefulDelete: an unbound or terminal Pod goes at once)
    state.store.delete('pods', ns, pod.metadata.name, { gracePeriodSeconds: 0 });
    state.tracked.delete(key(ns, pod.metadata.name));
    return;
  }
  const marked = markDeleted(state, pod, atMs, pod.spec.terminationGracePeriodSeconds ?? 30);
  if (marked && !state.lostNodes.has(pod.spec.nodeName)) terminatePod(state, marked, atMs, exitAfterSeconds);
}

/** A healthy replacement on a node that fits, or a pending Pod the scheduler keeps retrying. */
export function createReplacement(state: SimState, w: WorkloadRecord, rs: ReplicaSetRecord, atMs: number, avoid?: ReadonlySet<string>): Pod {
  const usage = state.usage();
  const counts = new Map<string, number>();
  for (const p of state.podsOf(w.namespace, rs.uid)) if (p.spec.nodeName && isActive(p)) counts.set(p.spec.nodeName, (counts.get(p.spec.nodeName) ?? 0) + 1);
  const node = state.choose(rs.template.spec, usage, { counts, ...(avoid ? { avoid } : {}) });
  if (node) return state.createHealthyPod(w, rs, node, atMs);
  const pod = podObject({
    namespace: w.namespace,
    name: `${rs.name}-${state.suffix()}`,
    uid: state.uuid(),
    createdMs: atMs,
    labels: { ...rs.template.labels, 'pod-template-hash': rs.hash },
    owner: rsOwner(rs),
    spec: rs.template.spec,
  });
  const stored = state.createPodObject(pod);
  state.track({ namespace: w.namespace, name: pod.metadata.name, uid: pod.metadata.uid ?? '', workload: key(w.namespace, w.name), plan: pendingPlan({ createdMs: atMs }) });
  return stored;
}

/** FailedCreate on the ReplicaSet, retried by the work queue's exponential back-off. */
export function renderFailedCreate(state: SimState, w: WorkloadRecord, rs: ReplicaSetRecord, atMs: number): void {
  const blocked = rs.blocked;
  if (!blocked) return;
  const retries = controllerRetryCount(blocked.sinceMs, atMs);
  const message = blocked.message(`${rs.name}-${blockedSuffix(rs)}`);
  state.writeEvents([
    {
      key: FAILED_CREATE,
      involved: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.name, namespace: w.namespace, uid: rs.uid },
      namespace: w.namespace,
      type: 'Warning',
      reason: FAILED_CREATE,
      message: `Error creating: ${message}`,
      source: { component: 'replicaset-controller' },
      count: retries.count,
      firstMs: blocked.sinceMs,
      lastMs: retries.lastMs,
    },
  ]);
}

const suffixes = new WeakMap<ReplicaSetRecord, string>();
function blockedSuffix(rs: ReplicaSetRecord): string {
  let s = suffixes.get(rs);
  if (s === undefined) {
    s = [...rs.hash].reverse().join('').slice(0, 5).padEnd(5, 'x');
    suffixes.set(rs, s);
  }
  return s;
}

function writeReplicaSetStatus(state: SimState, w: WorkloadRecord, rs: ReplicaSetRecord): void {
  const stored = state.stored('replicasets', w.namespace, rs.name);
  if (!stored) return;
  const pods = state.podsOf(w.namespace, rs.uid).filter(isActive);
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const next = structuredClone(stored) as Workload;
  next.spec = { ...next.spec, replicas: rs.replicas };
  next.metadata.annotations = { ...next.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String(w.replicas), [REVISION_ANNOTATION]: String(rs.revision) };
  const status: NonNullable<Workload['status']> = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: next.metadata.generation ?? 1,
  };
  if (rs.blocked) {
    const existing = (stored.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure');
    status.conditions = [
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: FAILED_CREATE,
        message: rs.blocked.message(`${rs.name}-${blockedSuffix(rs)}`),
        lastTransitionTime: existing?.lastTransitionTime ?? iso(rs.blocked.sinceMs),
      },
    ];
  }
  next.status = status;
  state.writeWorkload('replicasets', next);
}

/**
 * The Deployment's status from its ReplicaSets' Pods.
 * source: kubernetes/kubernetes pkg/controller/deployment/sync.go (calculateStatus), pkg/controller/deployment/util/
 *   deployment_util.go (MinimumReplicasAvailable "Deployment has minimum availability.", MinimumReplicasUnavailable
 *   "Deployment does not have minimum availability.", NewReplicaSetAvailable `ReplicaSet %q has successfully
 *   progressed.`, ReplicaSetUpdated `ReplicaSet %q is progressing.`, FailedRSCreate / ReplicaFailure).
 */
export function writeDeploymentStatus(state: SimState, w: WorkloadRecord, atMs: number): void {
  const stored = state.stored('deployments', w.namespace, w.name);
  if (!stored) return;
  const current = w.replicaSets.at(-1);
  if (!current) return;
  const pods = w.replicaSets.flatMap((rs) => state.podsOf(w.namespace, rs.uid)).filter(isActive);
  const isReadyPod = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const ready = pods.filter(isReadyPod).length;
  const updated = pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === current.uid)).length;
  const updatedReady = pods.filter((p) => isReadyPod(p) && p.metadata.ownerReferences?.some((r) => r.uid === current.uid)).length;
  const maxUnavailable = Math.floor(w.replicas * 0.25);
  const available = ready >= w.replicas - maxUnavailable;
  const previous = stored.status?.conditions ?? [];
  const keep = (type: string, status: string, fresh: Condition): Condition => {
    const old = previous.find((c) => c.type === type);
    return old && old.status === status && old.reason === fresh.reason ? { ...fresh, lastTransitionTime: old.lastTransitionTime } : fresh;
  };
  const at = iso(atMs);
  const conditions: Condition[] = [
    keep('Available', available ? 'True' : 'False', available
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastTransitionTime: at }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastTransitionTime: at }),
    keep('Progressing', 'True', updatedReady >= w.replicas
      ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.name}" has successfully progressed.`, lastTransitionTime: at }
      : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.name}" is progressing.`, lastTransitionTime: at }),
  ];
  if (current.blocked) {
    conditions.push(keep('ReplicaFailure', 'True', { type: 'ReplicaFailure', status: 'True', reason: FAILED_CREATE, message: current.blocked.message(`${current.name}-${blockedSuffix(current)}`), lastTransitionTime: iso(current.blocked.sinceMs) }));
  }
  const next = structuredClone(stored) as Workload;
  next.status = {
    observedGeneration: next.metadata.generation ?? 1,
    replicas: pods.length,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(w.replicas - ready > 0 ? { unavailableReplicas: w.replicas - ready } : {}),
    conditions,
  };
  state.writeWorkload('deployments', next);
}

/** Reconciles the ReplicaSets and status of every workload marked dirty. */
export function settleWorkloads(state: SimState, atMs: number, makeFailing: FailingPodMaker): void {
  for (let round = 0; round < 3 && state.dirty.size > 0; round++) {
    const keys = [...state.dirty];
    state.dirty.clear();
    for (const k of keys) {
      const w = state.workloads.get(k);
      if (!w) continue;
      for (const rs of w.replicaSets) reconcileReplicaSet(state, w, rs, atMs, makeFailing);
      writeDeploymentStatus(state, w, atMs);
    }
  }
  state.dirty.clear();
}

/** Re-renders the FailedCreate counts of blocked ReplicaSets. */
export function renderBlocked(state: SimState, atMs: number): void {
  for (const w of state.workloads.values()) for (const rs of w.replicaSets) if (rs.blocked) renderFailedCreate(state, w, rs, atMs);
}

// ---------- node lifecycle controller and taint manager ----------

// source: kubernetes/kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go (nodeMonitorGracePeriod
//   default 40s before a silent node is marked Unknown).
const NODE_MONITOR_GRACE_SECONDS = 40;

function nodeEvent(node: Node, reason: string, message: string, atMs: number, component = 'node-controller'): EventSpec {
  return {
    key: `${reason}|${atMs}`,
    involved: { apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid },
    namespace: 'default',
    type: 'Normal',
    reason,
    message,
    source: { component },
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  };
}

/**
 * The kubelet on `name` went silent; at atMs the node lifecycle controller notices: Ready=Unknown,
 * unreachable taints, its Pods' Ready condition False with a NodeNotReady event, and the taint manager
 * schedules each Pod's eviction when its unreachable toleration runs out.
 * source: kubernetes/kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go (tryUpdateNodeHealth,
 *   processTaintBaseEviction); pkg/controller/util/node/controller_utils.go (RecordNodeStatusChange: Normal
 *   "NodeNotReady" "Node %s status is now: %s"; MarkPodsNotReady: Ready=False with no reason, Warning NodeNotReady
 *   "Node is not ready"); pkg/controller/tainteviction/taint_eviction.go (getMinTolerationTime, processPodOnNode).
 */
export function loseNodeAt(state: SimState, name: string, atMs: number): void {
  const node = state.node(name);
  if (!node) throw new Error(`sim: no node ${name}`);
  if (state.lostNodes.has(name)) return;
  state.lostNodes.set(name, atMs);
  const lost = lostNode(node, atMs);
  const heartbeat = iso(atMs - NODE_MONITOR_GRACE_SECONDS * 1000);
  lost.status = { ...lost.status, conditions: (lost.status?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: heartbeat })) };
  state.writeNode(lost);
  state.writeEvents([nodeEvent(node, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, atMs)]);
  for (const pod of state.podsOnNode(name)) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    state.updatePod(pod, (next) => {
      next.status = {
        ...next.status,
        conditions: (next.status?.conditions ?? []).map((c) => (c.type === 'Ready' && c.status !== 'False' ? { ...c, status: 'False', lastTransitionTime: iso(atMs) } : c)),
      };
    });
    state.writeEvents([
      {
        key: `NodeNotReady|${atMs}`,
        involved: podRefOf(pod),
        namespace: pod.metadata.namespace ?? 'default',
        type: 'Warning',
        reason: 'NodeNotReady',
        message: 'Node is not ready',
        source: { component: 'node-controller' },
        count: 1,
        firstMs: atMs,
        lastMs: atMs,
      },
    ]);
    if (pod.metadata.deletionTimestamp) continue;
    const toleration = (pod.spec.tolerations ?? []).find((t) => (t.key === TAINT_UNREACHABLE || (t.operator === 'Exists' && !t.key)) && (!t.effect || t.effect === 'NoExecute'));
    if (toleration && toleration.tolerationSeconds === undefined) continue; // tolerates forever (DaemonSet Pods)
    const delay = toleration?.tolerationSeconds ?? 0;
    const ns = pod.metadata.namespace ?? 'default';
    const podName = pod.metadata.name;
    const uid = pod.metadata.uid;
    state.schedule(atMs + delay * 1000, (at) => evictByTaint(state, ns, podName, uid, name, at));
  }
  for (const w of state.workloads.values()) state.dirty.add(key(w.namespace, w.name));
}

/**
 * The taint manager deletes a Pod whose node has carried an untolerated NoExecute taint past its
 * toleration; the kubelet cannot confirm, so the Pod stays Terminating while its controller replaces it.
 * source: kubernetes/kubernetes pkg/controller/tainteviction/taint_eviction.go (addConditionAndDeletePod:
 *   DisruptionTarget reason "DeletionByTaintManager", message "Taint manager: deleting due to NoExecute taint";
 *   emitPodDeletionEvent: Normal "TaintManagerEviction" "Marking for deletion Pod %s").
 */
function evictByTaint(state: SimState, namespace: string, name: string, uid: string | undefined, nodeName: string, atMs: number): void {
  if (!state.lostNodes.has(nodeName)) return;
  const pod = state.pod(namespace, name);
  if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp) return;
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  state.updatePod(pod, (next) => {
    next.status = {
      ...next.status,
      conditions: [
        { type: CONDITION_DISRUPTION_TARGET, status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: iso(atMs) },
        ...(next.status?.conditions ?? []).filter((c) => c.type !== CONDITION_DISRUPTION_TARGET),
      ],
    };
    next.metadata.deletionTimestamp = iso(atMs + grace * 1000);
    next.metadata.deletionGracePeriodSeconds = grace;
  });
  state.writeEvents([
    {
      key: EVENT_TAINT_MANAGER_EVICTION,
      involved: podRefOf(pod),
      namespace,
      type: 'Normal',
      reason: EVENT_TAINT_MANAGER_EVICTION,
      message: `${TAINT_MANAGER_MARKING_PREFIX}${namespace}/${name}`,
      source: { component: 'taint-eviction-controller' },
      count: 1,
      firstMs: atMs,
      lastMs: atMs,
    },
  ]);
  const owner = pod.metadata.ownerReferences?.[0];
  if (owner) markOwnerDirty(state, namespace, owner.uid);
  // The ReplicaSet controller replaces the Pod at once (a Terminating Pod does not count as active).
  settleWorkloads(state, atMs, state.makeFailing);
}

/**
 * The kubelet reports again: healthy conditions, taints removed, Pods resynced (Ready again, or, when
 * already deleted, stopped and removed).
 * source: pkg/controller/nodelifecycle/node_lifecycle_controller.go (markNodeAsReachable), controller_utils.go
 *   (RecordNodeStatusChange "NodeReady").
 */
export function restoreNodeAt(state: SimState, name: string, atMs: number): void {
  const node = state.node(name);
  if (!node) throw new Error(`sim: no node ${name}`);
  if (!state.lostNodes.has(name) && isReady(node)) return;
  state.lostNodes.delete(name);
  state.writeNode(restoredNode(node, atMs));
  state.writeEvents([nodeEvent(node, 'NodeReady', `Node ${name} status is now: NodeReady`, atMs)]);
  for (const pod of state.podsOnNode(name)) {
    const ns = pod.metadata.namespace ?? 'default';
    if (pod.metadata.deletionTimestamp) {
      if (!state.unkillable.has(key(ns, pod.metadata.name))) {
        state.schedule(atMs + 1000, (at) => finishTermination(state, ns, pod.metadata.name, pod.metadata.uid, at));
      }
      continue;
    }
    if (state.tracked.has(key(ns, pod.metadata.name))) continue;
    const allReady = (pod.status?.containerStatuses ?? []).every((c) => c.ready);
    if (!allReady) continue;
    state.updatePod(pod, (next) => {
      next.status = {
        ...next.status,
        conditions: (next.status?.conditions ?? []).map((c) => (c.type === 'Ready' && c.status !== 'True' ? { type: 'Ready', status: 'True', lastTransitionTime: iso(atMs) } : c)),
      };
    });
  }
  for (const w of state.workloads.values()) state.dirty.add(key(w.namespace, w.name));
}

// source: pkg/kubelet/kubelet.go (nodeStatusReportFrequency default 5m: with node leases the kubelet rewrites an
//   unchanged status, and so its heartbeat times, every 5 minutes).
const STATUS_REPORT_SECONDS = 300;

export function heartbeats(state: SimState, atMs: number): void {
  for (const node of state.nodes()) {
    if (state.lostNodes.has(node.metadata.name)) continue;
    const last = Date.parse(conditionOf(node, 'Ready')?.lastHeartbeatTime ?? '') || 0;
    if (atMs - last >= STATUS_REPORT_SECONDS * 1000) {
      const beats = Math.floor((atMs - last) / (STATUS_REPORT_SECONDS * 1000));
      state.writeNode(heartbeatNode(node, last > 0 ? last + beats * STATUS_REPORT_SECONDS * 1000 : atMs));
    }
  }
}
