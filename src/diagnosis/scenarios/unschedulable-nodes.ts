/**
 * What the unschedulable detector can work out from the Pod's spec and the Nodes alone: the Pod's total
 * requests, which taints it does not tolerate, which nodes its nodeSelector / required node affinity match,
 * and which nodes are not ready. The snapshot holds no other Pods, so free capacity per node is unknown:
 * only allocatable is.
 */
import { isRecord } from '../../contract/is-record.ts';
import type { Node, Pod, Taint, Toleration } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import { formatBytes, isNodeReady, nodeCondition } from '../support.ts';
import { isReadinessTaint } from './unschedulable-message.ts';

/**
 * The Pod's effective requests, the way the scheduler counts them: the sum of the app containers plus the
 * restartable (sidecar) init containers, and at least the largest "init container + sidecars started
 * before it".
 * source: kubernetes/kubernetes staging/src/k8s.io/component-helpers/resource/helpers.go — PodRequests();
 *         pkg/scheduler/framework/plugins/noderesources/fit.go — computePodResourceRequest().
 */
export function podRequests(pod: Pod): Map<string, number> {
  const reqs = new Map<string, number>();
  const add = (into: Map<string, number>, from: Record<string, string> | undefined) => {
    for (const [name, raw] of Object.entries(from ?? {})) {
      const value = parseQuantity(raw);
      if (value !== null) into.set(name, (into.get(name) ?? 0) + value);
    }
  };
  for (const c of pod.spec.containers) add(reqs, c.resources?.requests);
  const sidecars = new Map<string, number>();
  const initPeak = new Map<string, number>();
  for (const c of pod.spec.initContainers ?? []) {
    let current: Map<string, number>;
    if (c.restartPolicy === 'Always') {
      add(reqs, c.resources?.requests);
      add(sidecars, c.resources?.requests);
      current = sidecars;
    } else {
      current = new Map(sidecars);
      add(current, c.resources?.requests);
    }
    for (const [name, value] of current) initPeak.set(name, Math.max(initPeak.get(name) ?? 0, value));
  }
  for (const [name, value] of initPeak) reqs.set(name, Math.max(reqs.get(name) ?? 0, value));
  return reqs;
}

/** A quantity in the unit people read for that resource: cores, bytes, or a plain count. */
export function formatResource(resource: string, value: number): string {
  const name = resource.replace(/^(requests|limits)\./, '');
  if (name === 'cpu') {
    // Millicores unless whole cores: "3920m", "6", "500m" (the form kubectl and the scheduler print).
    const milli = Math.round(value * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  if (name === 'memory' || name === 'ephemeral-storage' || name === 'storage' || name.startsWith('hugepages-')) return formatBytes(value);
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

/**
 * Whether a toleration tolerates a taint.
 * source: kubernetes/kubernetes staging/src/k8s.io/api/core/v1/toleration.go — ToleratesTaint().
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * The first NoSchedule/NoExecute taint of the node the Pod does not tolerate, as the scheduler finds it.
 * source: kubernetes/kubernetes staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go —
 *         FindMatchingUntoleratedTaint(); pkg/scheduler/framework/plugins/helper/taint.go — DoNotScheduleTaintsFilterFunc.
 */
export function firstUntoleratedTaint(node: Node, tolerations: readonly Toleration[]): Taint | null {
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return taint;
  }
  return null;
}

export function taintText(taint: { key: string; value?: string; effect?: string }): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}${taint.effect ? `:${taint.effect}` : ''}`;
}

/**
 * The toleration that lets the Pod onto a node with this taint, as YAML for spec.tolerations (a Remediation
 * snippet). Each value is a JSON string, which is a YAML double-quoted scalar: a key holding `"` or a line break
 * stays one escaped scalar on its line.
 */
export function tolerationYaml(taint: { key: string; value?: string; effect?: string }): string {
  const lines = ['tolerations:', `  - key: ${JSON.stringify(taint.key)}`];
  if (taint.value) lines.push('    operator: "Equal"', `    value: ${JSON.stringify(taint.value)}`);
  else lines.push('    operator: "Exists"');
  if (taint.effect) lines.push(`    effect: ${JSON.stringify(taint.effect)}`);
  return lines.join('\n');
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, if any. */
export function requiredNodeAffinityTerms(pod: Pod): NodeSelectorTerm[] {
  const nodeAffinity = pod.spec.affinity?.nodeAffinity;
  if (!isRecord(nodeAffinity)) return [];
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (!isRecord(required) || !Array.isArray(required.nodeSelectorTerms)) return [];
  // spec.affinity is not typed by the contract: a crafted dump can put null or a keyless requirement here.
  return required.nodeSelectorTerms.filter(isRecord).map((term) => ({
    matchExpressions: requirements(term.matchExpressions),
    matchFields: requirements(term.matchFields),
  }));
}

function requirements(value: unknown): NodeSelectorRequirement[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((r): r is Record<string, unknown> => isRecord(r) && typeof r.key === 'string' && typeof r.operator === 'string')
    .map((r) => ({
      key: r.key as string,
      operator: r.operator as string,
      ...(Array.isArray(r.values) ? { values: r.values.filter((v): v is string => typeof v === 'string') } : {}),
    }));
}

/** Required pod (anti-)affinity terms, for evidence: `topologyKey=…, labelSelector …`. */
export function requiredPodAffinityTerms(pod: Pod, kind: 'podAffinity' | 'podAntiAffinity'): Record<string, unknown>[] {
  const section = pod.spec.affinity?.[kind];
  if (!isRecord(section)) return [];
  const terms = section.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) ? terms.filter(isRecord) : [];
}

export function describePodAffinityTerm(term: Record<string, unknown>): string {
  const selector = isRecord(term.labelSelector) ? term.labelSelector : {};
  const parts: string[] = [];
  if (isRecord(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) parts.push(`${k}=${String(v)}`);
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions.filter(isRecord)) {
      parts.push(`${String(e.key)} ${String(e.operator)}${Array.isArray(e.values) ? ` [${e.values.join(', ')}]` : ''}`);
    }
  }
  return `topologyKey=${String(term.topologyKey ?? '?')}, labelSelector ${parts.length > 0 ? parts.join(', ') : '(empty)'}`;
}

export function describeRequirement(r: NodeSelectorRequirement): string {
  return `${r.key} ${r.operator}${r.values && r.values.length > 0 ? ` [${r.values.join(', ')}]` : ''}`;
}

/**
 * One node selector requirement against a label set.
 * source: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/labels/selector.go — Requirement.Matches()
 *         (NotIn and DoesNotExist match when the label is absent; Gt/Lt compare integers).
 */
export function requirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(value ?? '');
    case 'NotIn':
      return !has || !values.includes(value ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const left = Number.parseInt(value ?? '', 10);
      const right = Number.parseInt(values[0] ?? '', 10);
      if (!has || Number.isNaN(left) || Number.isNaN(right)) return false;
      return r.operator === 'Gt' ? left > right : left < right;
    }
    default:
      return false;
  }
}

/**
 * Terms are ORed; inside a term every expression and field must match; an empty term matches nothing.
 * source: kubernetes/kubernetes staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go.
 */
export function nodeMatchesTerms(node: Node, terms: readonly NodeSelectorTerm[]): boolean {
  const labels = node.metadata.labels ?? {};
  const fields = { 'metadata.name': node.metadata.name };
  return terms.some((term) => {
    const expressions = term.matchExpressions ?? [];
    const matchFields = term.matchFields ?? [];
    if (expressions.length === 0 && matchFields.length === 0) return false;
    return expressions.every((r) => requirementMatches(r, labels)) && matchFields.every((r) => requirementMatches(r, fields));
  });
}

export function nodeMatchesSelector(node: Node, selector: Record<string, string>): boolean {
  const labels = node.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Why a node cannot take any Pod right now (NotReady, cordoned, pressure); null when it can. */
export function nodeReadinessProblem(node: Node): string | null {
  const problems: string[] = [];
  const ready = nodeCondition(node, 'Ready');
  if (!isNodeReady(node)) {
    const detail = ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}` : 'no Ready condition';
    problems.push(`NotReady: ${detail}`);
  }
  if (node.spec?.unschedulable) problems.push('cordoned (spec.unschedulable=true)');
  for (const taint of node.spec?.taints ?? []) {
    if ((taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && isReadinessTaint(taint.key)) {
      const text = `taint ${taintText(taint)}`;
      if (!problems.includes(text)) problems.push(text);
    }
  }
  return problems.length > 0 ? problems.join('; ') : null;
}

/**
 * What rules out every node of the cluster, ready or not, judged from the Pod's spec and the Node objects
 * alone. The scheduler reports only the first filter that fails on each node (readiness taints and cordons
 * come before node affinity, which comes before resources: pkg/scheduler/apis/config/v1/default_plugins.go),
 * so a lost node hides that the Pod could not have run there anyway. A cause that holds on every node is one
 * no other fix gets around.
 */
export interface SpecBlockers {
  /** Every node has a NoSchedule/NoExecute taint the Pod does not tolerate, besides the readiness taints. */
  taint: boolean;
  /** spec.nodeSelector matches no node. */
  nodeSelector: boolean;
  /** The required node affinity matches none of the nodes the nodeSelector allows (or no node at all). */
  affinity: boolean;
  /** Resources the Pod requests more of than any node's allocatable (an empty node would not fit it either). */
  resources: string[];
}

// Resources every kubelet reports in status.allocatable: a node that lacks one in the snapshot was trimmed,
// not empty. Extended resources (vendor.example/gpu, hugepages-*) are absent when the node has none.
// source: kubernetes/kubernetes pkg/kubelet/nodestatus/setters.go — MachineInfo() sets cpu, memory, pods and
//   (with local storage capacity isolation) ephemeral-storage.
const ALWAYS_REPORTED_RESOURCES: readonly string[] = ['cpu', 'memory', 'ephemeral-storage', 'pods'];

export function specBlockers(pod: Pod, nodes: readonly Node[]): SpecBlockers {
  const none: SpecBlockers = { taint: false, nodeSelector: false, affinity: false, resources: [] };
  if (nodes.length === 0) return none;
  const tolerations = pod.spec.tolerations ?? [];
  const taint = nodes.every((n) =>
    (n.spec?.taints ?? []).some(
      (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !isReadinessTaint(t.key) && !tolerations.some((tol) => toleratesTaint(tol, t)),
    ),
  );
  const selector = pod.spec.nodeSelector ?? {};
  const hasSelector = Object.keys(selector).length > 0;
  const selected = hasSelector ? nodes.filter((n) => nodeMatchesSelector(n, selector)) : [...nodes];
  const terms = requiredNodeAffinityTerms(pod);
  const nodeSelector = hasSelector && selected.length === 0;
  const affinity = !nodeSelector && terms.length > 0 && !selected.some((n) => nodeMatchesTerms(n, terms));
  const resources: string[] = [];
  if (nodes.every((n) => n.status?.allocatable !== undefined)) {
    for (const [resource, requested] of podRequests(pod)) {
      // One more Pod always fits a node's pod count unless the node is full: that is not a spec problem.
      if (requested <= 0 || resource === 'pods') continue;
      const values = nodes.map((n) => n.status?.allocatable?.[resource]);
      if (ALWAYS_REPORTED_RESOURCES.includes(resource) && values.some((v) => v === undefined)) continue;
      const largest = Math.max(...values.map((v) => parseQuantity(v) ?? 0));
      if (requested > largest) resources.push(resource);
    }
  }
  return { taint, nodeSelector, affinity, resources };
}
