/**
 * A small kube-scheduler: the default profile's filters that matter for the simulator, in their
 * order, and the FitError message the scheduler records when no node passes.
 *
 * source: kubernetes/kubernetes pkg/scheduler/apis/config/v1/default_plugins.go (filter order:
 *   NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, …);
 *   pkg/scheduler/framework/runtime/framework.go (RunFilterPlugins stops at the first plugin that rejects a node);
 *   pkg/scheduler/framework/types.go (FitError.Error: "0/%v nodes are available" + " %v." sections, the
 *   histogram "<count> <reason>" sorted as strings and joined by ", ");
 *   pkg/scheduler/framework/preemption/preemption.go (PostFilter "preemption: " + a FitError over the nodes,
 *   "Preemption is not helpful for scheduling" for UnschedulableAndUnresolvable nodes,
 *   "No preemption victims found for incoming pod" where no lower-priority Pod could be evicted).
 */
import type { Node, Pod, PodSpec, Toleration } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import { TAINT_UNSCHEDULABLE } from '../../contract/upstream.ts';

// source: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go (ErrReasonUnschedulable)
const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
// source: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (ErrReasonPod)
const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
// source: pkg/scheduler/framework/plugins/noderesources/fit.go (fitsRequest: "Too many pods", "Insufficient %v")
const REASON_TOO_MANY_PODS = 'Too many pods';
// source: pkg/scheduler/framework/preemption/preemption.go
const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
const NO_VICTIMS = 'No preemption victims found for incoming pod';

/** untolerated taint, v1.25–v1.34 wording. source: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go */
function untoleratedTaint(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export interface NodeVerdict {
  node: string;
  /** Empty when the node fits. */
  reasons: string[];
  /** UnschedulableAndUnresolvable: preemption cannot help on this node. */
  unresolvable: boolean;
}

export interface Usage {
  milliCpu: number;
  memory: number;
  pods: number;
}

/** Requests of a Pod as the scheduler sums them (regular containers; init containers only raise the max). */
export function podRequests(spec: PodSpec): Usage {
  let milliCpu = 0;
  let memory = 0;
  for (const c of spec.containers) {
    milliCpu += Math.round((parseQuantity(c.resources?.requests?.cpu) ?? 0) * 1000);
    memory += parseQuantity(c.resources?.requests?.memory) ?? 0;
  }
  for (const c of spec.initContainers ?? []) {
    milliCpu = Math.max(milliCpu, Math.round((parseQuantity(c.resources?.requests?.cpu) ?? 0) * 1000));
    memory = Math.max(memory, parseQuantity(c.resources?.requests?.memory) ?? 0);
  }
  return { milliCpu, memory, pods: 1 };
}

/** What the Pods bound to each node request (terminal Pods release their resources). */
export function usageByNode(pods: readonly Pod[]): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    if (!node || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const r = podRequests(pod.spec);
    const u = usage.get(node) ?? { milliCpu: 0, memory: 0, pods: 0 };
    u.milliCpu += r.milliCpu;
    u.memory += r.memory;
    u.pods += 1;
    usage.set(node, u);
  }
  return usage;
}

// source: staging/src/k8s.io/api/core/v1/toleration.go (ToleratesTaint)
function tolerates(tolerations: readonly Toleration[] | undefined, taint: { key: string; value?: string; effect: string }): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
    if (t.operator === 'Exists') return true;
    return (t.value ?? '') === (taint.value ?? '');
  });
}

interface MatchExpression {
  key: string;
  operator: string;
  values?: string[];
}

function matchesExpression(labels: Record<string, string>, e: MatchExpression): boolean {
  const value = labels[e.key];
  switch (e.operator) {
    case 'In': return value !== undefined && (e.values ?? []).includes(value);
    case 'NotIn': return value === undefined || !(e.values ?? []).includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number(value) > Number(e.values?.[0]);
    case 'Lt': return value !== undefined && Number(value) < Number(e.values?.[0]);
    default: return false;
  }
}

function matchesNodeAffinity(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = (spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: MatchExpression[] }[] } } } | undefined)
    ?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return true;
  // Terms are ORed, expressions inside a term ANDed.
  return terms.some((term) => (term.matchExpressions ?? []).every((e) => matchesExpression(labels, e)));
}

/** Runs the filters for one node, stopping at the first plugin that rejects it. */
export function filterNode(spec: PodSpec, node: Node, used: Usage | undefined): NodeVerdict {
  const name = node.metadata.name;
  const reject = (reasons: string[], unresolvable: boolean): NodeVerdict => ({ node: name, reasons, unresolvable });
  if (node.spec?.unschedulable && !tolerates(spec.tolerations, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' })) {
    return reject([REASON_UNSCHEDULABLE], true);
  }
  const taint = (node.spec?.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(spec.tolerations, t));
  if (taint) return reject([untoleratedTaint(taint.key, taint.value)], true);
  if (!matchesNodeAffinity(spec, node)) return reject([REASON_NODE_AFFINITY], true);

  const request = podRequests(spec);
  const alloc = node.status?.allocatable ?? {};
  const allocCpu = Math.round((parseQuantity(alloc.cpu) ?? 0) * 1000);
  const allocMem = parseQuantity(alloc.memory) ?? 0;
  const allocPods = parseQuantity(alloc.pods) ?? 110;
  const u = used ?? { milliCpu: 0, memory: 0, pods: 0 };
  const reasons: string[] = [];
  let unresolvable = false;
  if (u.pods + 1 > allocPods) reasons.push(REASON_TOO_MANY_PODS);
  if (request.milliCpu > 0 && u.milliCpu + request.milliCpu > allocCpu) {
    reasons.push('Insufficient cpu');
    unresolvable ||= request.milliCpu > allocCpu;
  }
  if (request.memory > 0 && u.memory + request.memory > allocMem) {
    reasons.push('Insufficient memory');
    unresolvable ||= request.memory > allocMem;
  }
  return reject(reasons, unresolvable);
}

export function filterNodes(spec: PodSpec, nodes: readonly Node[], usage: ReadonlyMap<string, Usage>): NodeVerdict[] {
  return nodes.map((n) => filterNode(spec, n, usage.get(n.metadata.name)));
}

function histogram(entries: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason}`).sort().join(', ');
}

/**
 * The message of a scheduling failure (PodScheduled condition and FailedScheduling event), or null when
 * some node fits. `preFilterMessage` is a PreFilter rejection that applies to every node.
 */
export function fitErrorMessage(verdicts: readonly NodeVerdict[], preFilterMessage?: string): string | null {
  const total = verdicts.length;
  if (total === 0) {
    // source: pkg/scheduler/schedule_one.go (ErrNoNodesAvailable)
    return 'no nodes available to schedule pods';
  }
  if (preFilterMessage) {
    return `0/${total} nodes are available: ${preFilterMessage}. preemption: 0/${total} nodes are available: ${total} ${PREEMPTION_NOT_HELPFUL}.`;
  }
  if (verdicts.some((v) => v.reasons.length === 0)) return null;
  const filter = histogram(verdicts.flatMap((v) => v.reasons));
  const preemption = histogram(verdicts.map((v) => (v.unresolvable ? PREEMPTION_NOT_HELPFUL : NO_VICTIMS)));
  return `0/${total} nodes are available: ${filter}. preemption: 0/${total} nodes are available: ${preemption}.`;
}
