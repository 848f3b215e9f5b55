/**
 * Node-loss facts shared by the `unknown` and `terminating` detectors: is the Pod's node still
 * reporting, since when, which taints the node lifecycle controller put on it, and when the taint
 * manager evicts the Pod. Pure: everything is measured against snapshot.observedAt.
 */
import type { Evidence } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { Node, Pod, Taint, Toleration } from '../../contract/k8s.ts';
import type { PodSnapshot } from '../../contract/snapshot.ts';
import {
  EVENT_TAINT_MANAGER_EVICTION,
  POD_REASON_NODE_LOST,
  TAINT_MANAGER_MARKING_PREFIX,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from '../../contract/upstream.ts';
import { eventEvidence, findEvents, nodeCondition, podCondition, podEvents, secondsBetween } from '../support.ts';

// The taints of a lost node (well_known_taints.go, src/contract/upstream.ts).
const NODE_LOSS_TAINTS: readonly string[] = [TAINT_UNREACHABLE, TAINT_NOT_READY];

// source: pkg/controller/util/node/controller_utils.go (MarkPodsNotReady: Warning "NodeNotReady"
// "Node is not ready" on each Pod; RecordNodeStatusChange: Normal "NodeNotReady" on the Node).
export const EVENT_NODE_NOT_READY = 'NodeNotReady';
// source: pkg/controller/util/node/controller_utils.go (DeletePods: "Marking for deletion Pod %s from Node %s")
export const EVENT_NODE_CONTROLLER_EVICTION = 'NodeControllerEviction';
// EVENT_TAINT_MANAGER_EVICTION with TAINT_MANAGER_MARKING_PREFIX, and the Pod reason POD_REASON_NODE_LOST: src/contract/upstream.ts.

// source: plugin/pkg/admission/defaulttolerationseconds/admission.go (default-not-ready-toleration-seconds
// and default-unreachable-toleration-seconds both default to 300).
export const DEFAULT_TOLERATION_SECONDS = 300;

export const DOCS_TAINT_BASED_EVICTIONS = 'https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions';
export const DOCS_NON_GRACEFUL_SHUTDOWN = 'https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#non-graceful-node-shutdown';
export const DOCS_FORCE_DELETE = 'https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/';

/**
 * `unreachable`: Ready=Unknown (the kubelet stopped posting status); `not-ready`: Ready=False (the kubelet
 * reports it cannot run Pods); `gone`: the Node object no longer exists; `no-data`: the snapshot has no nodes.
 */
export type NodeHealth = 'ready' | 'unreachable' | 'not-ready' | 'gone' | 'no-data';

export interface NodeState {
  name: string;
  node: Node | undefined;
  health: NodeHealth;
  /** How long the node has been in this state (Ready lastTransitionTime, else the oldest node-loss taint); null when unknown. */
  sinceSeconds: number | null;
  /** Seconds since the kubelet's last heartbeat on the Ready condition; null when unknown. */
  heartbeatAgeSeconds: number | null;
  /** The node-loss taints (unreachable / not-ready, any effect) the node lifecycle controller added. */
  lossTaints: Taint[];
  /** For summaries: "stopped reporting 25m ago (Ready=Unknown, NodeStatusUnknown: Kubelet stopped posting node status.)". */
  phrase: string;
  evidence: Evidence[];
}

/** True when the node cannot run or confirm the Pod's containers. */
export function isNodeLost(state: NodeState | null): state is NodeState {
  return state !== null && (state.health === 'unreachable' || state.health === 'not-ready' || state.health === 'gone');
}

/** The state of the node the Pod is bound to; null when the Pod is not bound to a node. */
export function assessNode(snapshot: PodSnapshot): NodeState | null {
  const name = snapshot.pod.spec.nodeName;
  if (!name) return null;
  const node = snapshot.node ?? snapshot.nodes.find((n) => n.metadata.name === name);
  if (!node) {
    if (snapshot.nodes.length === 0) {
      return { name, node, health: 'no-data', sinceSeconds: null, heartbeatAgeSeconds: null, lossTaints: [], phrase: 'is not in the snapshot', evidence: [] };
    }
    return {
      name,
      node,
      health: 'gone',
      sinceSeconds: null,
      heartbeatAgeSeconds: null,
      lossTaints: [],
      phrase: 'no longer exists (the Node object was deleted)',
      evidence: [{ kind: 'node', node: name, detail: `not among the ${snapshot.nodes.length} Node(s) in the cluster: the Node object was deleted` }],
    };
  }

  const ready = nodeCondition(node, 'Ready');
  const lossTaints = (node.spec?.taints ?? []).filter((t) => NODE_LOSS_TAINTS.includes(t.key));
  let health: NodeHealth;
  if (ready?.status === 'True') health = 'ready';
  else if (ready?.status === 'Unknown') health = 'unreachable';
  else if (ready?.status === 'False') health = 'not-ready';
  else if (lossTaints.some((t) => t.key === TAINT_UNREACHABLE)) health = 'unreachable';
  else if (lossTaints.some((t) => t.key === TAINT_NOT_READY)) health = 'not-ready';
  else health = 'no-data';

  const taintAges = lossTaints.map((t) => secondsBetween(t.timeAdded, snapshot.observedAt)).filter((s): s is number => s !== null);
  const sinceSeconds = secondsBetween(ready?.lastTransitionTime, snapshot.observedAt) ?? (taintAges.length > 0 ? Math.max(...taintAges) : null);
  const heartbeatAgeSeconds = secondsBetween(ready?.lastHeartbeatTime, snapshot.observedAt);

  const evidence: Evidence[] = [];
  if (ready) {
    const why = [ready.reason, ready.message].filter(Boolean).join(': ');
    const parts = [`Ready=${ready.status}${why ? ` (${why})` : ''}`];
    const transition = secondsBetween(ready.lastTransitionTime, snapshot.observedAt);
    if (transition !== null) parts.push(`since ${formatDuration(transition)} ago`);
    if (heartbeatAgeSeconds !== null) parts.push(`last kubelet heartbeat ${formatDuration(heartbeatAgeSeconds)} ago`);
    evidence.push({ kind: 'node', node: name, detail: parts.join(', ') });
  }
  for (const taint of lossTaints) {
    const age = secondsBetween(taint.timeAdded, snapshot.observedAt);
    evidence.push({ kind: 'node', node: name, detail: `taint ${taint.key}:${taint.effect}${age !== null ? `, added ${formatDuration(age)} ago` : ''}` });
  }
  for (const event of findEvents(snapshot, { kind: 'Node', name, reasons: [EVENT_NODE_NOT_READY] }).slice(0, 1)) {
    evidence.push(eventEvidence(event, snapshot.observedAt));
  }

  return { name, node, health, sinceSeconds, heartbeatAgeSeconds, lossTaints, phrase: describe(health, ready, sinceSeconds), evidence };
}

function describe(health: NodeHealth, ready: ReturnType<typeof nodeCondition>, sinceSeconds: number | null): string {
  const since = sinceSeconds !== null ? ` ${formatDuration(sinceSeconds)} ago` : '';
  const why = [ready?.reason, ready?.message].filter(Boolean).join(': ');
  const detail = `Ready=${ready?.status ?? '?'}${why ? `, ${why}` : ''}`;
  switch (health) {
    case 'unreachable':
      return `stopped reporting${since} (${detail})`;
    case 'not-ready':
      return `has been NotReady${sinceSeconds !== null ? ` for ${formatDuration(sinceSeconds)}` : ''} (${detail})`;
    case 'ready':
      return 'is Ready';
    default:
      return 'is in an unknown state';
  }
}

/**
 * How long the Pod tolerates a NoExecute taint: seconds, `'forever'` (a toleration without
 * tolerationSeconds, as DaemonSet Pods have), or `'none'` (not tolerated: evicted at once).
 */
export function noExecuteToleration(pod: Pod, taint: Taint): number | 'forever' | 'none' {
  const matching = (pod.spec.tolerations ?? []).filter((t) => tolerates(t, taint));
  if (matching.length === 0) return 'none';
  const seconds = matching.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
  // source: pkg/controller/tainteviction/taint_eviction.go (getMinTolerationTime): the smallest
  // tolerationSeconds wins; tolerations without it tolerate forever.
  if (seconds.length === 0) return 'forever';
  return Math.max(0, Math.min(...seconds));
}

function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * When the taint manager deletes (or deleted) the Pod because of the node's NoExecute loss taint:
 * spec evidence naming the toleration and the due time. Null when the node carries no such taint.
 */
export function taintEvictionEvidence(pod: Pod, state: NodeState, observedAt: string): Evidence | null {
  const taint = state.lossTaints.find((t) => t.effect === 'NoExecute');
  if (!taint) return null;
  const tolerated = noExecuteToleration(pod, taint);
  const age = secondsBetween(taint.timeAdded, observedAt);
  const field = `spec.tolerations[${taint.key}:NoExecute].tolerationSeconds`;
  if (tolerated === 'forever') {
    return { kind: 'spec', field, value: 'unset', note: 'the Pod tolerates the taint forever (as DaemonSet Pods do), so the taint manager never evicts it' };
  }
  if (tolerated === 'none') {
    return { kind: 'spec', field, value: 'none', note: 'the Pod does not tolerate the taint, so the taint manager deletes it at once' };
  }
  if (age === null) {
    return { kind: 'spec', field, value: String(tolerated), note: `the taint manager deletes the Pod ${tolerated}s after the taint is added` };
  }
  const left = tolerated - age;
  const note = left > 0
    ? `the taint was added ${formatDuration(age)} ago: the taint manager deletes this Pod in ${formatDuration(left)}`
    : `the taint was added ${formatDuration(age)} ago: the taint manager was due to delete this Pod ${formatDuration(-left)} ago`;
  return { kind: 'spec', field, value: String(tolerated), note };
}

/** Pod-side traces of the node loss: NodeLost reason, Ready=False, NodeNotReady and eviction events. */
export function podNodeLossEvidence(snapshot: PodSnapshot, maxEventAgeSeconds: number): Evidence[] {
  const pod = snapshot.pod;
  const evidence: Evidence[] = [];
  if (pod.status?.reason === POD_REASON_NODE_LOST) {
    evidence.push({ kind: 'status', field: 'status.reason', value: POD_REASON_NODE_LOST });
    if (pod.status.message) evidence.push({ kind: 'status', field: 'status.message', value: pod.status.message });
  }
  const ready = podCondition(pod, 'Ready');
  if (ready?.status === 'False') {
    const since = secondsBetween(ready.lastTransitionTime, snapshot.observedAt);
    evidence.push({ kind: 'status', field: 'status.conditions[Ready].status', value: `False${since !== null ? ` (since ${formatDuration(since)} ago)` : ''}` });
  }
  const reasons = [EVENT_NODE_NOT_READY, EVENT_TAINT_MANAGER_EVICTION, EVENT_NODE_CONTROLLER_EVICTION];
  for (const reason of reasons) {
    const event = podEvents(snapshot, [reason], maxEventAgeSeconds)
      .find((e) => reason !== EVENT_TAINT_MANAGER_EVICTION || (e.message ?? '').startsWith(TAINT_MANAGER_MARKING_PREFIX));
    if (event) evidence.push(eventEvidence(event, snapshot.observedAt));
  }
  return evidence;
}

/** The kind of the Pod's controller (ReplicaSet, StatefulSet, …), from its ownerReferences. */
export function controllerKind(pod: Pod): string | null {
  const refs = pod.metadata.ownerReferences ?? [];
  return (refs.find((r) => r.controller) ?? refs[0])?.kind ?? null;
}

export function controllerRef(pod: Pod): string | null {
  const refs = pod.metadata.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? `${ref.kind}/${ref.name}` : null;
}
