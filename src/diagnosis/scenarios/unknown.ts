/**
 * unknown.node-lost: the Pod's node stopped reporting (Ready=Unknown, unreachable taint), has been
 * NotReady past the threshold, or is gone, so every status the Pod shows is stale.
 *
 * The node lifecycle controller marks a silent node Ready=Unknown after node-monitor-grace-period,
 * taints it node.kubernetes.io/unreachable:NoExecute, flips each Pod's Ready condition to False with a
 * "NodeNotReady" event, and the taint manager deletes the Pods once their toleration (300 s by default)
 * runs out. The Pod's phase usually still says Running; phase Unknown is the legacy form.
 * A Pod whose deletion is overdue belongs to terminating.node-lost, which runs first.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { POD_REASON_NODE_LOST, TAINT_OUT_OF_SERVICE } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import { isNodeReady, kubectl, podCondition, podEvents, secondsBetween } from '../support.ts';
import {
  DEFAULT_TOLERATION_SECONDS,
  DOCS_FORCE_DELETE,
  DOCS_NON_GRACEFUL_SHUTDOWN,
  DOCS_TAINT_BASED_EVICTIONS,
  EVENT_NODE_NOT_READY,
  assessNode,
  controllerKind,
  controllerRef,
  isNodeLost,
  noExecuteToleration,
  podNodeLossEvidence,
  taintEvictionEvidence,
  type NodeState,
} from './unknown-node-loss.ts';

// source: staging/src/k8s.io/api/core/v1/types.go (PodUnknown: "for some reason the state of the pod could not be
// obtained"; deprecated, not set since 2015, but older clusters and virtual kubelets still show it)
const PHASE_UNKNOWN = 'Unknown';

/** Controllers that replace a deleted Pod elsewhere and tolerate two copies for a moment. */
const REPLACEABLE_OWNERS: readonly string[] = ['ReplicaSet', 'ReplicationController', 'Job'];

export const unknown: Detector<'unknown'> = { scenario: 'unknown', detect };

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'unknown'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const pod = snapshot.pod;
  const phase = pod.status?.phase;
  // A terminal Pod has nothing left to lose on the node (an evicted one is `evicted`'s).
  if (phase === 'Succeeded' || phase === 'Failed') return null;
  // The common case, before assessNode builds its evidence: the node is Ready, so nothing is lost (as below).
  const nodeName = pod.spec.nodeName;
  const node = nodeName ? (snapshot.node ?? snapshot.nodes.find((n) => n.metadata.name === nodeName)) : undefined;
  if (node && isNodeReady(node)) return null;
  const state = assessNode(snapshot);
  if (!state) return null;
  // The node is back: the kubelet resyncs the Pod's status within seconds.
  if (state.health === 'ready') return null;

  const notReadyEvents = podEvents(snapshot, [EVENT_NODE_NOT_READY], settings.eventStaleSeconds);
  const podSaysLost = phase === PHASE_UNKNOWN || pod.status?.reason === POD_REASON_NODE_LOST ||
    (podCondition(pod, 'Ready')?.status === 'False' && notReadyEvents.length > 0);
  const lost = isLost(state, podSaysLost, notReadyEvents.length > 0);
  if (!lost) return null;
  // NotReady for less than the threshold is often a kubelet restart or a slow PLEG relist: settling.
  const settling = state.sinceSeconds !== null && state.sinceSeconds < settings.notReadyAfterSeconds && state.health !== 'gone' && state.health !== 'no-data'
    ? { state: state.health === 'unreachable' ? 'NodeUnreachable' : 'NodeNotReady', forSeconds: state.sinceSeconds, alertAfterSeconds: settings.notReadyAfterSeconds }
    : undefined;

  return {
    scenario: 'unknown',
    cause: 'node-lost',
    otherCauses: [],
    summary: summary(snapshot, state),
    evidence: evidence(snapshot, state, settings),
    remediation: remediation(snapshot, state),
    actions: actions(snapshot, state),
    ...(settling ? { settling } : {}),
  };
}

/**
 * Whether the Pod's node is lost. NotReady for a moment is a transient (a kubelet restart, a slow PLEG relist);
 * the controller already waits node-monitor-grace-period before it writes Unknown, and a NotReady node younger
 * than settings.notReadyAfterSeconds is reported as settling (see detect). A node whose loss is not dated needs
 * a second sign. A missing Node counts only with Pod-side corroboration, because a partial dump can simply leave
 * the Node out.
 */
function isLost(state: NodeState, podSaysLost: boolean, hasNotReadyEvent: boolean): boolean {
  if (state.health === 'gone' || state.health === 'no-data') return podSaysLost;
  if (!isNodeLost(state)) return false;
  if (state.sinceSeconds !== null) return true;
  return state.health === 'unreachable' || state.lossTaints.length > 0 || hasNotReadyEvent || podSaysLost;
}

function summary(snapshot: PodSnapshot, state: NodeState): string {
  const pod = snapshot.pod;
  const nodeLost = pod.status?.reason === POD_REASON_NODE_LOST;
  // What kubectl prints, and the other reading of the same facts (kubectl pkg/printers/internalversion/printers.go).
  const deleting = pod.metadata.deletionTimestamp
    ? nodeLost
      ? ' kubectl shows it as Unknown (the node controller set status.reason NodeLost); it is also marked for deletion, which cannot complete until the node answers or the Pod is force-deleted, so read as a stuck deletion it is terminating.node-lost.'
      : ' It is already marked for deletion, which cannot complete until the node answers or the Pod is force-deleted.'
    : ' If it is deleted before the node answers, it will hang in Terminating (terminating.node-lost) until the Pod is force-deleted.';
  if (state.health === 'gone' || state.health === 'no-data') {
    return `Pod ${pod.metadata.name} is bound to node ${state.name}, which ${state.phrase}; its status is stale and nothing confirms whether its containers still run.${deleting}`;
  }
  return `Pod ${pod.metadata.name} runs on node ${state.name}, which ${state.phrase}; its status is stale and nothing confirms whether its containers still run.${deleting}`;
}

function evidence(snapshot: PodSnapshot, state: NodeState, settings: EngineSettings): Evidence[] {
  const pod = snapshot.pod;
  const out: Evidence[] = [
    { kind: 'status', field: 'status.phase', value: `${pod.status?.phase ?? 'unset'}${pod.status?.phase === PHASE_UNKNOWN ? '' : ' (last reported by the kubelet before the node was lost)'}` },
    ...state.evidence,
  ];
  const eviction = taintEvictionEvidence(pod, state, snapshot.observedAt);
  if (eviction) out.push(eviction);
  out.push(...podNodeLossEvidence(snapshot, settings.eventStaleSeconds));
  if (pod.metadata.deletionTimestamp) {
    const overdue = secondsBetween(pod.metadata.deletionTimestamp, snapshot.observedAt);
    out.push({
      kind: 'spec',
      field: 'metadata.deletionTimestamp',
      value: pod.metadata.deletionTimestamp,
      note: overdue !== null && overdue >= 0 ? `grace period elapsed ${formatDuration(overdue)} ago` : 'deletion requested; the grace period is still running',
    });
  }
  return out;
}

function remediation(snapshot: PodSnapshot, state: NodeState): Remediation[] {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const out: Remediation[] = [];
  if (state.health === 'gone') {
    out.push({
      text: `Node ${state.name} was deleted while Pod ${pod.metadata.name} was bound to it; the pod garbage collector normally deletes such orphans within a minute, so check that kube-controller-manager is healthy, then delete the Pod.`,
      command: kubectl(ns, `delete pod ${shellQuote(pod.metadata.name)} --grace-period=0 --force`),
    });
    return out;
  }
  if (state.health === 'not-ready') {
    const ready = state.node?.status?.conditions?.find((c) => c.type === 'Ready');
    out.push({
      text: `The kubelet on node ${state.name} is still posting status but reports it cannot run Pods${ready?.message ? ` ("${ready.message}")` : ''}: fix that on the node, most often the container runtime, the CNI plugin or a stalled PLEG.`,
      command: `kubectl describe node ${shellQuote(state.name)}`,
    });
    out.push({
      text: 'On the machine (SSH or the cloud serial console), read the kubelet and runtime logs.',
      command: 'journalctl -u kubelet -u containerd --since "1 hour ago"; systemctl status containerd; crictl info',
    });
  } else {
    out.push({
      text: `Find out why node ${state.name} stopped reporting: a powered-off or crashed machine, a network partition, a stopped kubelet, or an expired kubelet client certificate. Check its conditions and recent events, and the instance in your cloud console.`,
      command: `kubectl describe node ${shellQuote(state.name)}`,
    });
    out.push({
      text: 'If the machine is up, read the kubelet and runtime logs on it (SSH or the cloud serial console).',
      command: 'journalctl -u kubelet --since "1 hour ago"; systemctl status kubelet containerd',
    });
  }
  const lossTaint = state.lossTaints.find((t) => t.effect === 'NoExecute');
  if (!lossTaint || noExecuteToleration(pod, lossTaint) !== 'forever') {
    out.push({
      text: `Pods tolerate node.kubernetes.io/unreachable and node.kubernetes.io/not-ready (NoExecute) for ${DEFAULT_TOLERATION_SECONDS} s by default (DefaultTolerationSeconds admission plugin); then the taint manager deletes them and their controllers start replacements on healthy nodes. Shorten spec.tolerations[].tolerationSeconds for faster failover. When every node of a zone is NotReady the controller stops evicting, so Pods stay put.`,
      docsUrl: DOCS_TAINT_BASED_EVICTIONS,
    });
  }
  out.push({
    text: `If ${state.name} is gone for good, drain and delete it: deleting the Node lets the pod garbage collector remove its Pods. If it was shut down without draining and runs StatefulSet Pods or attached volumes, mark it out of service so they can move.`,
    command: `kubectl drain ${shellQuote(state.name)} --ignore-daemonsets --delete-emptydir-data --timeout=2m; kubectl taint nodes ${shellQuote(state.name)} ${TAINT_OUT_OF_SERVICE}=nodeshutdown:NoExecute`,
    docsUrl: DOCS_NON_GRACEFUL_SHUTDOWN,
  });
  if (controllerKind(pod) === 'StatefulSet') {
    out.push({
      text: `Pod ${pod.metadata.name} belongs to ${controllerRef(pod)}: do not force-delete it while ${state.name} might still be running it (a network partition rather than a dead machine). The StatefulSet controller would start a second ${pod.metadata.name} with the same identity and volume, breaking its at-most-one guarantee. Confirm the machine is off first.`,
      docsUrl: DOCS_FORCE_DELETE,
    });
  }
  return out;
}

function actions(snapshot: PodSnapshot, state: NodeState): SuggestedAction[] {
  const out: SuggestedAction[] = [{ action: 'rediagnose', reason: `Check again once node ${state.name} is back or the Pod has been evicted.` }];
  const owner = controllerKind(snapshot.pod);
  if (owner && REPLACEABLE_OWNERS.includes(owner)) {
    out.push({
      action: 'force-delete',
      reason: `${controllerRef(snapshot.pod)} starts a replacement on a healthy node at once instead of waiting for the taint-based eviction. The kubelet on ${state.name} cannot confirm the old containers stopped, so only do this if the node is really down.`,
    });
  }
  return out;
}
