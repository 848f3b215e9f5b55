/**
 * Parses kube-scheduler's FitError message ("0/6 nodes are available: 2 Insufficient cpu, 4 node(s) had
 * untolerated taint {…}. preemption: …") into per-reason node counts, and names what each reason means.
 * Pure string work: the node and spec analysis lives in unschedulable-nodes.ts.
 */
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
} from '../../contract/upstream.ts';

// source: kubernetes/kubernetes pkg/scheduler/framework/types.go — FitError.Error():
//   NoNodeAvailableMsg = "0/%v nodes are available", then " %v." per section (PreFilter message, or the
//   sorted "<count> <reason>" histogram joined by ", ", then the PostFilter/preemption message).
export const NO_NODE_AVAILABLE_PATTERN = /^0\/(\d+) nodes are available:\s*/;
// source: kubernetes/kubernetes pkg/scheduler/schedule_one.go — ErrNoNodesAvailable (the cluster has no nodes at all).
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/noderesources/fit.go — fitsRequest():
//   "Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage", fmt "Insufficient %v".
export const INSUFFICIENT_PREFIX = 'Insufficient ';
export const TOO_MANY_PODS = 'Too many pods';
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeports/node_ports.go — ErrReason.
export const NO_FREE_PORTS = "node(s) didn't have free ports for the requested pod ports";
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go — ErrReasonPod,
//   errReasonEnforced, errReasonConflict.
export const NODE_AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";
export const NODE_AFFINITY_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const NODE_AFFINITY_CONFLICT = 'pod affinity terms conflict';
// Before the scheduling framework (predicates, k8s ≤ 1.17) the selector reason was worded differently.
// source: kubernetes/kubernetes pkg/scheduler/algorithm/predicates/error.go — ErrNodeSelectorNotMatch.
export const NODE_SELECTOR_MISMATCH_LEGACY = "node(s) didn't match node selector";
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/nodename/node_name.go — ErrReason.
export const NODE_NAME_MISMATCH = "node(s) didn't match the requested node name";
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go — Filter():
//   v1.35+ "node(s) had untolerated taint(s)"; v1.25–v1.34 fmt "node(s) had untolerated taint {%s: %s}";
//   older: "node(s) had taint {%s: %s}, that the pod didn't tolerate" and ErrReasonNotMatch
//   "node(s) had taints that the pod didn't tolerate".
export const UNTOLERATED_TAINT_NAMED = /^node\(s\) had (?:untolerated )?taint \{([^:}]*): ([^}]*)\}(?:, that the pod didn't tolerate)?$/;
export const UNTOLERATED_TAINTS_UNNAMED = ['node(s) had untolerated taint(s)', "node(s) had taints that the pod didn't tolerate"] as const;
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go —
//   ErrReasonUnschedulable, ErrReasonUnknownCondition.
export const NODES_UNSCHEDULABLE = 'node(s) were unschedulable';
export const NODES_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/interpodaffinity/filtering.go —
//   ErrReasonAffinityRulesNotMatch, ErrReasonAntiAffinityRulesNotMatch, ErrReasonExistingAntiAffinityRulesNotMatch,
//   and (before v1.26, reported together with one of those) ErrReasonAffinityNotMatch.
export const POD_AFFINITY_MISMATCH = "node(s) didn't match pod affinity rules";
export const POD_ANTI_AFFINITY_MISMATCH = "node(s) didn't match pod anti-affinity rules";
export const EXISTING_ANTI_AFFINITY_MISMATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const POD_AFFINITY_GENERIC = "node(s) didn't match pod affinity/anti-affinity";
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/podtopologyspread/plugin.go —
//   ErrReasonConstraintsNotMatch and ErrReasonNodeLabelNotMatch (same text + " (missing required label)").
export const TOPOLOGY_SPREAD_MISMATCH = "node(s) didn't match pod topology spread constraints";
// source: kubernetes/kubernetes pkg/scheduler/schedule_one.go — findNodesThatFitPod(): nodes left out by a
//   PreFilterResult ("node is filtered out by the prefilter result"; newer: "node(s) didn't satisfy plugin(s) [%s]").
//   They mean "the Pod targets other nodes" (e.g. a DaemonSet Pod's metadata.name affinity), not a fixable reason.
export const PREFILTER_RESULT_PATTERN = /^node is filtered out by the prefilter result$|^node\(s\) didn't satisfy plugin\(s\) \[/;
// source: kubernetes/kubernetes pkg/scheduler/framework/plugins/volumebinding/binder.go — ErrReasonBindConflict,
//   ErrReasonNodeConflict, ErrReasonNotEnoughSpace, ErrReasonPVNotExist, ErrUnboundImmediatePVC (UNBOUND_IMMEDIATE_PVC in
//   src/contract/upstream.ts); and volume_binding.go PreFilter (`persistentvolumeclaim "%s" not found`); volumezone
//   ("no available volume zone"). These belong to the dependency scenario (volume cause), never to unschedulable.
export const VOLUME_REASON_PATTERN =
  /PersistentVolumeClaim|persistentvolumeclaim|persistent volumes to bind|volume node affinity conflict|enough free storage|pvc\(s\) bound to non-existent pv|available volume zone/;

// The taints the node lifecycle controller (TaintNodesByCondition) and `kubectl cordon` put on nodes that cannot
// take Pods (staging/src/k8s.io/api/core/v1/well_known_taints.go, in src/contract/upstream.ts), and the cloud
// provider's. A Pod blocked by one of them needs a healthy node, not a toleration: they map to no-ready-nodes.
// source: kubernetes/kubernetes staging/src/k8s.io/cloud-provider/api/well_known_taints.go.
export const TAINT_CLOUD_UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';
export const TAINT_CLOUD_SHUTDOWN = 'node.cloudprovider.kubernetes.io/shutdown';
export const READINESS_TAINT_KEYS: readonly string[] = [
  TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE,
  TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_CLOUD_UNINITIALIZED, TAINT_CLOUD_SHUTDOWN,
];

export function isReadinessTaint(key: string): boolean {
  return READINESS_TAINT_KEYS.includes(key);
}

/** One entry of the scheduler's histogram: how many nodes failed for this reason. */
export interface SchedulerReason {
  /** Nodes that failed for this reason; null for a PreFilter message, which applies to every node. */
  count: number | null;
  text: string;
}

export interface ParsedSchedulerMessage {
  /** The N of "0/N nodes are available"; null when the message has another shape. */
  totalNodes: number | null;
  reasons: SchedulerReason[];
  /** The PostFilter (preemption) part, e.g. "preemption: 0/6 nodes are available: …"; null when absent. */
  postFilter: string | null;
}

/**
 * Splits a FitError message into its reasons. Unknown shapes (custom schedulers, binding errors) come back
 * as a single reason with the whole text, so the caller can still classify or ignore it.
 */
export function parseSchedulerMessage(message: string): ParsedSchedulerMessage {
  const text = message.trim();
  if (text === NO_NODES_AVAILABLE) return { totalNodes: 0, reasons: [{ count: null, text }], postFilter: null };
  const head = NO_NODE_AVAILABLE_PATTERN.exec(text);
  if (!head) return { totalNodes: null, reasons: [{ count: null, text }], postFilter: null };
  const totalNodes = Number(head[1]);
  const body = text.slice(head[0].length);
  // Each section ends with "." (SeparatorFormat " %v."); reasons themselves contain dots only inside names
  // (node-role.kubernetes.io/…), never a dot followed by a space.
  const end = /\.(?:\s|$)/.exec(body);
  const filterPart = (end ? body.slice(0, end.index) : body).trim();
  const rest = end ? body.slice(end.index + 1).trim() : '';
  const postFilter = rest.length > 0 ? rest.replace(/\.+$/, '') : null;
  // Histogram entries are "<count> <reason>" joined by ", "; split only before a count so a reason keeps its commas.
  const reasons = filterPart
    .split(/,\s+(?=\d+\s)/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part): SchedulerReason => {
      const counted = /^(\d+)\s+(.+)$/.exec(part);
      return counted ? { count: Number(counted[1]), text: counted[2] ?? '' } : { count: null, text: part };
    });
  return { totalNodes, reasons, postFilter };
}

/** What a scheduler reason is about, before the Pod's spec and the nodes refine it into a cause. */
export type ReasonCategory =
  | 'resources'
  | 'node-selection'
  | 'taint'
  | 'node-readiness'
  | 'pod-affinity'
  | 'topology-spread'
  | 'volume'
  | 'targeting'
  | 'unknown';

export interface ClassifiedReason {
  /** Nodes this reason rejected (PreFilter messages count for all nodes). */
  count: number;
  text: string;
  category: ReasonCategory;
  /** For resources: `cpu`, `memory`, `ephemeral-storage`, `pods`, `host-ports` or an extended resource name. */
  resource?: string;
  /** For a taint named in the message (k8s ≤ 1.34). */
  taint?: { key: string; value: string };
  /**
   * Position of the filter plugin that reports it in the default profile: a node is rejected by the first
   * failing filter, so a lower number is "earlier in the Pod's life" for the primary-cause tie-break.
   * source: kubernetes/kubernetes pkg/scheduler/apis/config/v1/default_plugins.go — getDefaultPlugins() order.
   */
  filterOrder: number;
}

export const FILTER_ORDER = {
  preFilter: 0,
  NodeUnschedulable: 1,
  NodeName: 2,
  TaintToleration: 3,
  NodeAffinity: 4,
  NodePorts: 5,
  NodeResourcesFit: 6,
  VolumeBinding: 9,
  PodTopologySpread: 11,
  InterPodAffinity: 12,
  unknown: 99,
} as const;

export function classifyReason(reason: SchedulerReason, totalNodes: number | null): ClassifiedReason {
  const text = reason.text;
  const count = reason.count ?? totalNodes ?? 0;
  const base = { count, text };
  if (VOLUME_REASON_PATTERN.test(text)) return { ...base, category: 'volume', filterOrder: FILTER_ORDER.VolumeBinding };
  if (text === TOO_MANY_PODS) return { ...base, category: 'resources', resource: 'pods', filterOrder: FILTER_ORDER.NodeResourcesFit };
  if (text.startsWith(INSUFFICIENT_PREFIX)) {
    return { ...base, category: 'resources', resource: text.slice(INSUFFICIENT_PREFIX.length), filterOrder: FILTER_ORDER.NodeResourcesFit };
  }
  if (text === NO_FREE_PORTS) return { ...base, category: 'resources', resource: 'host-ports', filterOrder: FILTER_ORDER.NodePorts };
  if (text === NODE_AFFINITY_MISMATCH || text === NODE_SELECTOR_MISMATCH_LEGACY || text === NODE_AFFINITY_ENFORCED || text === NODE_AFFINITY_CONFLICT) {
    return { ...base, category: 'node-selection', filterOrder: FILTER_ORDER.NodeAffinity };
  }
  if (text === NODE_NAME_MISMATCH) return { ...base, category: 'node-selection', filterOrder: FILTER_ORDER.NodeName };
  const named = UNTOLERATED_TAINT_NAMED.exec(text);
  if (named) {
    const taint = { key: (named[1] ?? '').trim(), value: (named[2] ?? '').trim() };
    const category = isReadinessTaint(taint.key) ? 'node-readiness' : 'taint';
    return { ...base, category, taint, filterOrder: FILTER_ORDER.TaintToleration };
  }
  if ((UNTOLERATED_TAINTS_UNNAMED as readonly string[]).includes(text)) {
    return { ...base, category: 'taint', filterOrder: FILTER_ORDER.TaintToleration };
  }
  if (text === NODES_UNSCHEDULABLE || text === NODES_UNKNOWN_CONDITION) {
    return { ...base, category: 'node-readiness', filterOrder: FILTER_ORDER.NodeUnschedulable };
  }
  if (text === NO_NODES_AVAILABLE) return { ...base, category: 'node-readiness', filterOrder: FILTER_ORDER.preFilter };
  if (text === POD_AFFINITY_MISMATCH || text === POD_ANTI_AFFINITY_MISMATCH || text === EXISTING_ANTI_AFFINITY_MISMATCH || text === POD_AFFINITY_GENERIC) {
    return { ...base, category: 'pod-affinity', filterOrder: FILTER_ORDER.InterPodAffinity };
  }
  if (text.startsWith(TOPOLOGY_SPREAD_MISMATCH)) return { ...base, category: 'topology-spread', filterOrder: FILTER_ORDER.PodTopologySpread };
  if (PREFILTER_RESULT_PATTERN.test(text)) return { ...base, category: 'targeting', filterOrder: FILTER_ORDER.NodeAffinity };
  return { ...base, category: 'unknown', filterOrder: FILTER_ORDER.unknown };
}

/**
 * Before v1.26 the InterPodAffinity filter reported two reasons per node (the generic
 * "didn't match pod affinity/anti-affinity" plus the specific one), so the same nodes appear twice.
 * Drop the generic entry when a specific one is present, so nodes are not counted twice.
 */
export function classifyAll(parsed: ParsedSchedulerMessage): ClassifiedReason[] {
  const classified = parsed.reasons.map((r) => classifyReason(r, parsed.totalNodes));
  const hasSpecificPodAffinity = classified.some((r) => r.category === 'pod-affinity' && r.text !== POD_AFFINITY_GENERIC);
  return hasSpecificPodAffinity ? classified.filter((r) => r.text !== POD_AFFINITY_GENERIC) : classified;
}
