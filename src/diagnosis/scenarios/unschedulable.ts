/**
 * Scenario 1, unschedulable: a Pending Pod the scheduler cannot place (PodScheduled=False, reason
 * Unschedulable), or a controller whose Pods a ResourceQuota refuses (FailedCreate … exceeded quota).
 *
 * The scheduler says why per node ("0/6 nodes are available: 2 Insufficient cpu, 4 node(s) had untolerated
 * taint {…}"); each reason maps to a cause, and the primary cause is the one covering the most nodes
 * (fixing it frees the most nodes), ties going to the reason whose filter runs first in a scheduling cycle.
 * The scheduler names only the first filter that fails on each node, so when the Node objects are known a
 * cause that holds on every node, ready or not (a nodeSelector no node matches, a request larger than any
 * node's allocatable), comes first: no other fix lets the Pod run (see rankBlockers).
 * PVC/PV binding reasons are left to the dependency detector (dependency.volume).
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { Condition, KubeEvent, Node, Pod, Workload } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { FAILED_SCHEDULING, REASON_UNSCHEDULABLE } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  clip,
  eventEvidence,
  eventLastSeen,
  isNodeReady,
  kubectl,
  podCondition,
  podEvents,
  secondsBetween,
} from '../support.ts';
import {
  classifyAll,
  EXISTING_ANTI_AFFINITY_MISMATCH,
  FILTER_ORDER,
  INSUFFICIENT_PREFIX,
  isReadinessTaint,
  NO_NODES_AVAILABLE,
  NODE_AFFINITY_CONFLICT,
  NODE_AFFINITY_ENFORCED,
  NODE_AFFINITY_MISMATCH,
  NODES_UNSCHEDULABLE,
  parseSchedulerMessage,
  POD_AFFINITY_MISMATCH,
  POD_ANTI_AFFINITY_MISMATCH,
  UNTOLERATED_TAINTS_UNNAMED,
  type ClassifiedReason,
} from './unschedulable-message.ts';
import {
  describePodAffinityTerm,
  describeRequirement,
  firstUntoleratedTaint,
  formatResource,
  nodeMatchesSelector,
  nodeMatchesTerms,
  nodeReadinessProblem,
  podRequests,
  requiredNodeAffinityTerms,
  requiredPodAffinityTerms,
  specBlockers,
  taintText,
  tolerationYaml,
} from './unschedulable-nodes.ts';
import { detectQuotaExceeded } from './unschedulable-quota.ts';

// source: kubernetes/kubernetes staging/src/k8s.io/api/core/v1/types.go — PodScheduled condition type; its reason
//   REASON_UNSCHEDULABLE and the FAILED_SCHEDULING event are in src/contract/upstream.ts.
export const POD_SCHEDULED = 'PodScheduled';

type Cause = CauseOf<'unschedulable'>;

/** At most this many nodes are listed one by one in evidence; the rest are counted. */
const MAX_NODE_EVIDENCE = 6;

export const unschedulable: Detector<'unschedulable'> = {
  scenario: 'unschedulable',
  detect,
};

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'unschedulable'> | null {
  if (snapshot.kind === 'Workload') return detectQuotaExceeded(snapshot, settings);
  return detectPod(snapshot, settings);
}

/** Everything the cause builders share. */
interface Context {
  snapshot: PodSnapshot;
  pod: Pod;
  podName: string;
  namespace: string | undefined;
  /** N of "0/N nodes are available", else the number of nodes in the snapshot. */
  totalNodes: number | null;
  nodes: Node[];
  /** Where the Pod template is edited: `Deployment/web`, or null for a bare Pod. */
  template: { kind: string; name: string; specPath: string } | null;
}

interface Tally {
  cause: Cause;
  count: number;
  order: number;
  reasons: ClassifiedReason[];
  /** The cause holds on every node, ready or not (from the spec and the Node objects): no other fix helps. */
  blocksEveryNode?: boolean;
}

function detectPod(snapshot: PodSnapshot, settings: EngineSettings): Finding<'unschedulable'> | null {
  const { pod } = snapshot;
  const phase = pod.status?.phase;
  if (phase && phase !== 'Pending') return null;
  if (pod.spec.nodeName) return null;
  const condition = podCondition(pod, POD_SCHEDULED);
  if (condition?.status === 'True') return null;
  if (condition && condition.reason !== REASON_UNSCHEDULABLE) return null;
  const event = podEvents(snapshot, [FAILED_SCHEDULING])[0];
  if (!condition && !event) return null;
  if (!condition && event) {
    // No condition to go by (an old dump): only a current event counts.
    const age = secondsBetween(eventLastSeen(event), snapshot.observedAt);
    if (age !== null && age > settings.eventStaleSeconds) return null;
  }
  const since = condition?.lastTransitionTime ?? pod.metadata.creationTimestamp;
  const pendingFor = secondsBetween(since, snapshot.observedAt);
  // The scheduler retries and autoscalers add nodes: a few seconds of Unschedulable is normal, so the answer
  // is marked settling (the alert path waits; a person asking still hears why).
  const settling = pendingFor !== null && pendingFor < settings.unschedulableAfterSeconds
    ? { state: 'Pending', forSeconds: pendingFor, alertAfterSeconds: settings.unschedulableAfterSeconds }
    : undefined;

  const message = schedulerMessage(condition, event);
  if (!message) return null;
  const parsed = parseSchedulerMessage(message);
  const reasons = classifyAll(parsed);
  // PVC/PV binding belongs to dependency.volume: leave the whole Pod to that detector.
  if (reasons.some((r) => r.category === 'volume')) return null;

  const ctx: Context = {
    snapshot,
    pod,
    podName: pod.metadata.name,
    namespace: pod.metadata.namespace,
    totalNodes: parsed.totalNodes ?? (snapshot.nodes.length > 0 ? snapshot.nodes.length : null),
    nodes: snapshot.nodes,
    template: templateOf(snapshot),
  };
  const byCount = tally(ctx, reasons);
  const tallies = rankBlockers(ctx, byCount, parsed.totalNodes);
  const primary = tallies[0];
  if (!primary) return null;

  const evidence = commonEvidence(ctx, condition, event, pendingFor);
  const section = buildSection(ctx, primary);
  evidence.push(...section.evidence);
  // The primary cause moved ahead of causes the scheduler counted more nodes for: say why.
  const rankByCount = byCount.indexOf(primary);
  const overtaken = byCount.slice(0, rankByCount === -1 ? byCount.length : rankByCount);
  if (primary.blocksEveryNode && overtaken.length > 0) {
    const fixes = overtaken.map((t) => `${t.cause} (${nodesText(t.count)})`).join(', ');
    section.summary =
      `${section.summary.replace(/\.$/, '')}; that holds for every node, ready or not, so fixing ${fixes} alone would not let it run ` +
      `(the scheduler reports only the first check that fails on each node).`;
  }
  const remediation = [...section.remediation];
  for (const other of tallies.slice(1)) {
    const first = buildSection(ctx, other).remediation[0];
    if (first) remediation.push({ ...first, text: `Also (${other.cause}, ${nodesText(other.count)}): ${first.text}` });
  }
  remediation.push({ text: 'Once fixed, the scheduler retries on its own (at the latest every 5 minutes); watch the Pod get a node.', command: kubectl(ctx.namespace, `get pod ${shellQuote(ctx.podName)} -o wide -w`) });
  return {
    scenario: 'unschedulable',
    cause: primary.cause,
    otherCauses: tallies.slice(1).map((t) => t.cause),
    summary: section.summary,
    evidence,
    remediation,
    actions: actionsFor(primary.cause),
    ...(settling ? { settling } : {}),
  };
}

/**
 * The scheduler rewrites the PodScheduled condition's message on every failed attempt and never truncates it,
 * so it is the current verdict; the newest FailedScheduling event carries the same text (cut at 1024 bytes
 * with " ..."), used when the condition has no message.
 */
function schedulerMessage(condition: Condition | undefined, event: KubeEvent | undefined): string | null {
  if (condition?.message) return condition.message;
  const fromEvent = event?.message;
  return fromEvent && fromEvent.length > 0 ? fromEvent : null;
}

function templateOf(snapshot: PodSnapshot): Context['template'] {
  const { owners } = snapshot;
  const cronJob = owners.find((o) => o.kind === 'CronJob');
  if (cronJob) return { kind: 'CronJob', name: cronJob.metadata.name, specPath: 'spec.jobTemplate.spec.template.spec' };
  const deployment = owners.find((o) => o.kind === 'Deployment');
  if (deployment) return { kind: 'Deployment', name: deployment.metadata.name, specPath: 'spec.template.spec' };
  const owner: Workload | undefined = owners[0];
  if (owner) {
    // A ReplicaSet's template belongs to its Deployment even when the Deployment is not in the snapshot.
    const parent = owner.metadata.ownerReferences?.find((r) => r.kind === 'Deployment' || r.kind === 'CronJob');
    if (parent) return { kind: parent.kind, name: parent.name, specPath: parent.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec' };
    return { kind: owner.kind, name: owner.metadata.name, specPath: 'spec.template.spec' };
  }
  const ref = snapshot.pod.metadata.ownerReferences?.find((r) => r.controller) ?? snapshot.pod.metadata.ownerReferences?.[0];
  if (ref) return { kind: ref.kind, name: ref.name, specPath: 'spec.template.spec' };
  return null;
}

/** "spec.template.spec.nodeSelector in Deployment/web", or the bare Pod's own field. */
function where(ctx: Context, field: string): string {
  if (!ctx.template) return `spec.${field} of Pod ${ctx.podName} (it has no controller: recreate the Pod with the change)`;
  return `${ctx.template.specPath}.${field} in ${ctx.template.kind}/${ctx.template.name}`;
}

function editCommand(ctx: Context): string {
  if (!ctx.template) return kubectl(ctx.namespace, `get pod ${shellQuote(ctx.podName)} -o yaml > pod.yaml   # edit, then: kubectl replace --force -f pod.yaml`);
  return kubectl(ctx.namespace, `edit ${shellQuote(ctx.template.kind.toLowerCase())}/${shellQuote(ctx.template.name)}`);
}

function nodesText(count: number): string {
  return `${count} node${count === 1 ? '' : 's'}`;
}

function ofNodes(ctx: Context, count: number): string {
  return ctx.totalNodes !== null && ctx.totalNodes > 0 ? `${count} of ${ctx.totalNodes} nodes` : nodesText(count);
}

function actionsFor(cause: Cause): SuggestedAction[] {
  const actions: SuggestedAction[] = [{ action: 'rediagnose', reason: 'check again after changing the nodes or the Pod spec' }];
  if (cause === 'insufficient-resources' || cause === 'no-ready-nodes') {
    actions.push({ action: 'snooze', reason: 'while a cluster autoscaler adds a node or the nodes recover' });
  }
  return actions;
}

// ---------------------------------------------------------------------------------------------------------
// Tally: scheduler reasons → causes, with node counts.

function tally(ctx: Context, reasons: readonly ClassifiedReason[]): Tally[] {
  const byCause = new Map<Cause, Tally>();
  const add = (cause: Cause, count: number, reason: ClassifiedReason) => {
    // "no nodes available to schedule pods" concerns 0 nodes and is still the whole story.
    if (count <= 0 && reason.text !== NO_NODES_AVAILABLE) return;
    const entry = byCause.get(cause);
    if (entry) {
      entry.count += count;
      entry.order = Math.min(entry.order, reason.filterOrder);
      if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
    } else {
      byCause.set(cause, { cause, count, order: reason.filterOrder, reasons: [reason] });
    }
  };
  for (const reason of reasons) {
    switch (reason.category) {
      case 'resources':
        add('insufficient-resources', reason.count, reason);
        break;
      case 'node-readiness':
        add('no-ready-nodes', reason.count, reason);
        break;
      case 'taint':
        if (reason.taint) add('taint', reason.count, reason);
        else {
          // The scheduler no longer names the taint (v1.35+): tell readiness taints from the others by the nodes.
          const readinessNodes = ctx.nodes.filter((n) => {
            const taint = firstUntoleratedTaint(n, ctx.pod.spec.tolerations ?? []);
            return taint !== null && isReadinessTaint(taint.key);
          }).length;
          const readiness = Math.min(reason.count, readinessNodes);
          add('no-ready-nodes', readiness, reason);
          add('taint', reason.count - readiness, reason);
        }
        break;
      case 'node-selection': {
        const split = splitNodeSelection(ctx, reason);
        add('node-selector', split.selector, reason);
        add('affinity', split.affinity, reason);
        break;
      }
      case 'pod-affinity':
      case 'topology-spread':
        add('affinity', reason.count, reason);
        break;
      default:
        break;
    }
  }
  // Nodes left out because the Pod targets other nodes only matter when nothing else explains it.
  if (byCause.size === 0) {
    for (const reason of reasons) if (reason.category === 'targeting') add('affinity', reason.count, reason);
  }
  return [...byCause.values()].sort((a, b) => b.count - a.count || a.order - b.order);
}

/**
 * Puts first the causes that rule out every node, ready or not, judged from the Pod's spec and the Node
 * objects: fixing anything else frees no node, so they are primary whatever the scheduler's counts say (it
 * reports only the first failing filter per node, and a lost node's readiness taint comes first). Among
 * several such causes the earliest filter wins (taints, then node affinity/selector, then resources:
 * pkg/scheduler/apis/config/v1/default_plugins.go). A cause the scheduler never got to on any node is added
 * here, with every node counted. Only applies when the snapshot holds every node the scheduler counted.
 */
function rankBlockers(ctx: Context, tallies: readonly Tally[], schedulerNodes: number | null): Tally[] {
  const ranked = [...tallies];
  if (ranked.length === 0 || ctx.nodes.length === 0 || (schedulerNodes !== null && ctx.nodes.length < schedulerNodes)) return ranked;
  if (ranked.some((t) => t.reasons.some((r) => r.text === NODE_AFFINITY_ENFORCED || r.text === NODE_AFFINITY_CONFLICT))) return ranked;
  const blockers = specBlockers(ctx.pod, ctx.nodes);
  const all = ctx.nodes.length;
  const entry = (cause: Cause, order: number): Tally => {
    let found = ranked.find((t) => t.cause === cause);
    if (!found) {
      found = { cause, count: all, order, reasons: [] };
      ranked.push(found);
    }
    return found;
  };
  if (blockers.taint) {
    // Only ranks a taint the scheduler reported; the taint section needs its reasons to name the taints.
    const taint = ranked.find((t) => t.cause === 'taint');
    if (taint) taint.blocksEveryNode = true;
  }
  const selection = (cause: 'node-selector' | 'affinity') => {
    const t = entry(cause, FILTER_ORDER.NodeAffinity);
    // An affinity tally may hold only pod (anti-)affinity reasons: add the node affinity the section must explain.
    if (!t.reasons.some((r) => r.category === 'node-selection' || r.category === 'targeting')) {
      t.reasons.push({ count: all, text: NODE_AFFINITY_MISMATCH, category: 'node-selection', filterOrder: FILTER_ORDER.NodeAffinity });
    }
    t.blocksEveryNode = true;
  };
  if (blockers.nodeSelector) selection('node-selector');
  if (blockers.affinity) selection('affinity');
  if (blockers.resources.length > 0) {
    const t = entry('insufficient-resources', FILTER_ORDER.NodeResourcesFit);
    for (const resource of blockers.resources) {
      if (!t.reasons.some((r) => r.resource === resource)) {
        t.reasons.push({ count: all, text: `${INSUFFICIENT_PREFIX}${resource}`, category: 'resources', resource, filterOrder: FILTER_ORDER.NodeResourcesFit });
      }
    }
    t.blocksEveryNode = true;
  }
  const isBlocker = (t: Tally) => t.blocksEveryNode === true;
  // Array.prototype.sort is stable: non-blockers keep their node-count order.
  return ranked.sort((a, b) => Number(isBlocker(b)) - Number(isBlocker(a)) || (isBlocker(a) && isBlocker(b) ? a.order - b.order || b.count - a.count : 0));
}

/**
 * "node(s) didn't match Pod's node affinity/selector" covers both spec.nodeSelector and required node
 * affinity (the NodeAffinity plugin checks both). Tell them apart with the spec and, when known, the nodes.
 */
function splitNodeSelection(ctx: Context, reason: ClassifiedReason): { selector: number; affinity: number } {
  if (reason.text === NODE_AFFINITY_ENFORCED || reason.text === NODE_AFFINITY_CONFLICT) return { selector: 0, affinity: reason.count };
  const selector = ctx.pod.spec.nodeSelector ?? {};
  const hasSelector = Object.keys(selector).length > 0;
  const terms = requiredNodeAffinityTerms(ctx.pod);
  const hasAffinity = terms.length > 0;
  if (hasSelector && !hasAffinity) return { selector: reason.count, affinity: 0 };
  if (!hasSelector) return { selector: 0, affinity: reason.count };
  if (ctx.nodes.length === 0) return { selector: reason.count, affinity: 0 };
  const failAffinityOnly = ctx.nodes.filter((n) => nodeMatchesSelector(n, selector) && !nodeMatchesTerms(n, terms)).length;
  const affinity = Math.min(reason.count, failAffinityOnly);
  return { selector: reason.count - affinity, affinity };
}

// ---------------------------------------------------------------------------------------------------------
// Evidence every Pod finding carries.

function commonEvidence(
  ctx: Context,
  condition: Condition | undefined,
  event: KubeEvent | undefined,
  pendingFor: number | null,
): Evidence[] {
  const evidence: Evidence[] = [{ kind: 'status', field: 'status.phase', value: ctx.pod.status?.phase ?? 'Pending' }];
  if (condition) {
    const since = pendingFor !== null ? ` for ${formatDuration(pendingFor)}` : '';
    evidence.push({ kind: 'status', field: `status.conditions[${POD_SCHEDULED}]`, value: `${condition.status} (${condition.reason ?? ''})${since}` });
    if (condition.message) evidence.push({ kind: 'status', field: `status.conditions[${POD_SCHEDULED}].message`, value: clip(condition.message, 600) });
  }
  if (event) {
    const fromEvent = eventEvidence(event, ctx.snapshot.observedAt);
    evidence.push(fromEvent.kind === 'event' ? { ...fromEvent, message: clip(fromEvent.message, 600) } : fromEvent);
  }
  const nominated = ctx.pod.status?.nominatedNodeName;
  if (nominated) {
    evidence.push({ kind: 'status', field: 'status.nominatedNodeName', value: `${nominated} (preemption chose this node; it waits for lower-priority Pods to leave)` });
  }
  return evidence;
}

interface Section {
  summary: string;
  evidence: Evidence[];
  remediation: Remediation[];
}

function buildSection(ctx: Context, entry: Tally): Section {
  switch (entry.cause) {
    case 'insufficient-resources':
      return insufficientResources(ctx, entry);
    case 'node-selector':
      return nodeSelector(ctx, entry);
    case 'affinity':
      return affinity(ctx, entry);
    case 'taint':
      return taints(ctx, entry);
    case 'no-ready-nodes':
      return noReadyNodes(ctx, entry);
    default:
      return { summary: `Pod ${ctx.podName} cannot be scheduled.`, evidence: [], remediation: [] };
  }
}

/** Nodes the Pod could use apart from resources: ready, not cordoned, taints tolerated, selector/affinity matched. */
function candidateNodes(ctx: Context): Node[] {
  const selector = ctx.pod.spec.nodeSelector ?? {};
  const terms = requiredNodeAffinityTerms(ctx.pod);
  return ctx.nodes.filter(
    (n) =>
      isNodeReady(n) &&
      !n.spec?.unschedulable &&
      firstUntoleratedTaint(n, ctx.pod.spec.tolerations ?? []) === null &&
      nodeMatchesSelector(n, selector) &&
      (terms.length === 0 || nodeMatchesTerms(n, terms)),
  );
}

function nodeList(nodes: readonly Node[]): string {
  const names = nodes.slice(0, MAX_NODE_EVIDENCE).map((n) => n.metadata.name);
  return nodes.length > MAX_NODE_EVIDENCE ? `${names.join(', ')} and ${nodes.length - MAX_NODE_EVIDENCE} more` : names.join(', ');
}

// ---------------------------------------------------------------------------------------------------------
// insufficient-resources

function insufficientResources(ctx: Context, entry: Tally): Section {
  const evidence: Evidence[] = [];
  const remediation: Remediation[] = [];
  const requests = podRequests(ctx.pod);
  const resources = [...new Set(entry.reasons.map((r) => r.resource ?? ''))].filter((r) => r.length > 0);
  const countOf = (resource: string) => entry.reasons.filter((r) => r.resource === resource).reduce((sum, r) => sum + r.count, 0);
  const candidates = candidateNodes(ctx);
  const pool = candidates.length > 0 ? candidates : ctx.nodes;
  const sentences: string[] = [];

  for (const resource of resources) {
    const count = countOf(resource);
    if (resource === 'pods') {
      sentences.push(`${ofNodes(ctx, count)} already run as many Pods as they allow (Too many pods)`);
      for (const n of pool.slice(0, MAX_NODE_EVIDENCE)) {
        evidence.push({ kind: 'node', node: n.metadata.name, detail: `allocatable pods ${n.status?.allocatable?.pods ?? '?'}` });
      }
      remediation.push({ text: 'Add nodes (or let the cluster autoscaler add them), or raise the kubelet maxPods setting where the CNI has IP addresses to spare.', command: 'kubectl get nodes -o custom-columns=NAME:.metadata.name,MAXPODS:.status.allocatable.pods' });
      continue;
    }
    if (resource === 'host-ports') {
      const ports = ctx.pod.spec.containers.flatMap((c) =>
        (c.ports ?? []).filter((p) => (p as { hostPort?: number }).hostPort !== undefined).map((p) => ({ c: c.name, port: (p as { hostPort?: number }).hostPort })),
      );
      for (const p of ports) evidence.push({ kind: 'spec', field: `spec.containers[${p.c}].ports[].hostPort`, value: String(p.port) });
      sentences.push(`${ofNodes(ctx, count)} already use the host port${ports.length === 1 ? '' : 's'} it asks for`);
      remediation.push({ text: `A hostPort can be taken by one Pod per node: drop hostPort from ${where(ctx, 'containers[].ports')} and expose the Pod through a Service, or keep replicas at most the number of nodes.`, command: editCommand(ctx) });
      continue;
    }
    const requested = requests.get(resource) ?? 0;
    for (const view of [...(ctx.pod.spec.initContainers ?? []).map((c) => ({ c, init: true })), ...ctx.pod.spec.containers.map((c) => ({ c, init: false }))]) {
      const value = view.c.resources?.requests?.[resource];
      if (value) evidence.push({ kind: 'spec', field: `spec.${view.init ? 'initContainers' : 'containers'}[${view.c.name}].resources.requests.${resource}`, value });
    }
    if (requested > 0) {
      evidence.push({
        kind: 'spec',
        field: `spec.containers[*].resources.requests.${resource}`,
        value: formatResource(resource, requested),
        note: 'the Pod total as the scheduler counts it: containers and sidecars summed, at least the largest init container',
      });
    }
    const allocatable = pool.map((n) => ({ node: n, value: allocatableOf(n, resource) }));
    if (ctx.nodes.length === 0) {
      sentences.push(`it requests ${resource} ${formatResource(resource, requested)} and ${ofNodes(ctx, count)} do not have that much free`);
      remediation.push({ text: `The snapshot has no Node objects, so podwhy cannot size this: compare the Pod's ${resource} request (${formatResource(resource, requested)}) with the nodes' "Allocated resources".`, command: 'kubectl describe nodes' });
      continue;
    }
    const largest = allocatable.reduce<{ node: Node; value: number } | null>((best, a) => (best === null || a.value > best.value ? a : best), null);
    const total = allocatable.reduce((sum, a) => sum + a.value, 0);
    for (const a of allocatable.slice(0, MAX_NODE_EVIDENCE)) {
      evidence.push({ kind: 'node', node: a.node.metadata.name, detail: `allocatable ${resource} ${formatResource(resource, a.value)} (the Pod requests ${formatResource(resource, requested)})` });
    }
    const poolText = candidates.length > 0 ? `the ${nodesText(pool.length)} it may run on` : `the ${nodesText(pool.length)}`;
    const q = (value: number) => `${resource} ${formatResource(resource, value)}`;
    if (!largest || largest.value <= 0) {
      sentences.push(`it requests ${q(requested)} and no node offers ${resource} at all`);
      remediation.push({
        text: `No node advertises ${resource} in status.allocatable: add nodes that have it (and the device plugin that advertises it), or remove the request from ${where(ctx, 'containers[].resources')}.`,
        command: `kubectl get nodes -o custom-columns=NAME:.metadata.name,${shellQuote(resource.toUpperCase().replace(/[^A-Z0-9]/g, '_'))}:.status.allocatable.${shellQuote(resource.replace(/\./g, '\\.'))}`,
      });
      continue;
    }
    if (requested > largest.value) {
      // Even an empty node is too small: this is knowable from allocatable alone.
      const spread = total >= requested
        ? `; ${poolText} allocate ${q(total)} in total, so the capacity exists only spread over several nodes (fragmentation), and a Pod cannot be split across nodes`
        : pool.length > 1 ? `; even all of ${poolText} together allocate only ${q(total)}` : '';
      sentences.push(`it requests ${q(requested)}, more than any single node can allocate (largest: ${largest.node.metadata.name} with ${q(largest.value)})${spread}`);
      remediation.push({
        text: `Lower the ${resource} request in ${where(ctx, 'containers[].resources.requests')} to below ${formatResource(resource, largest.value)} (a node also runs DaemonSet Pods, so leave headroom), or add a node whose allocatable ${resource} is at least ${formatResource(resource, requested)} (a larger instance type or node pool).`,
        command: editCommand(ctx),
      });
      continue;
    }
    const fitting = allocatable.filter((a) => a.value >= requested);
    const all = ctx.totalNodes !== null && count >= ctx.totalNodes;
    const holders = fitting.length === pool.length ? `each of ${poolText} could hold it if empty` : `${nodeList(fitting.map((a) => a.node))} could hold it if empty`;
    sentences.push(
      `it requests ${q(requested)} and ${all ? `all ${nodesText(count)}` : ofNodes(ctx, count)} lack that much free ${resource}, although ${holders} ` +
        `(largest allocatable: ${q(largest.value)}), so the requests of the Pods already there take the room`,
    );
    remediation.push({
      text:
        `See how much ${resource} each node has left: "Allocated resources" lists the requests of the Pods already there. ` +
        `podwhy sees node allocatable only, not those requests, so it cannot tell how much ${resource} is free per node or in total: ` +
        `free ${resource} may add up to more than ${formatResource(resource, requested)} across nodes and still fit on none (fragmentation).`,
      command: 'kubectl describe nodes | grep -A 8 "Allocated resources"',
    });
    remediation.push({
      text: `Make room: lower the ${resource} request in ${where(ctx, 'containers[].resources.requests')} (it is ${formatResource(resource, requested)}), scale down or right-size other workloads, or add a node (cluster autoscaler / bigger node pool).`,
      command: editCommand(ctx),
    });
  }
  const summary = `Pod ${ctx.podName} cannot be scheduled: ${sentences.length > 0 ? sentences.join('; ') : `${ofNodes(ctx, entry.count)} lack the resources it requests`}.`;
  return { summary, evidence, remediation };
}

function allocatableOf(node: Node, resource: string): number {
  return parseQuantity(node.status?.allocatable?.[resource]) ?? 0;
}

// ---------------------------------------------------------------------------------------------------------
// node-selector

function nodeSelector(ctx: Context, entry: Tally): Section {
  const selector = ctx.pod.spec.nodeSelector ?? {};
  const evidence: Evidence[] = [];
  const remediation: Remediation[] = [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(selector)) {
    const withKey = ctx.nodes.filter((n) => Object.hasOwn(n.metadata.labels ?? {}, key));
    const matching = withKey.filter((n) => n.metadata.labels?.[key] === value);
    let note: string;
    if (ctx.nodes.length === 0) note = 'nodes not in the snapshot';
    else if (matching.length > 0) note = `matches ${nodeList(matching)}`;
    else if (withKey.length === 0) note = `no node has label ${key}`;
    else {
      const values = [...new Set(withKey.map((n) => n.metadata.labels?.[key] ?? ''))];
      // Label values are case-sensitive: "SSD" does not match "ssd".
      const nearMiss = values.find((v) => v.toLowerCase() === value.toLowerCase());
      note = `no node has ${key}=${value}; nodes have ${values.map((v) => `${key}=${v}`).join(', ')}`;
      if (nearMiss !== undefined) {
        const holders = withKey.filter((n) => n.metadata.labels?.[key] === nearMiss);
        note += ` (${nearMiss} differs only in case)`;
        remediation.push({
          text: `Label values are case-sensitive: change nodeSelector ${key} from "${value}" to "${nearMiss}" (${where(ctx, 'nodeSelector')}), which matches ${nodeList(holders)}.`,
          command: editCommand(ctx),
        });
      }
    }
    if (ctx.nodes.length > 0 && matching.length === 0) missing.push(`${key}=${value}`);
    evidence.push({ kind: 'spec', field: `spec.nodeSelector.${key}`, value, note });
  }
  const pairs = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(', ');
  const culprit = missing.length > 0 ? missing.join(', ') : pairs;
  const summary = missing.length > 0
    ? `Pod ${ctx.podName} cannot be scheduled: no node has the label${missing.length === 1 ? '' : 's'} ${culprit} its nodeSelector requires (${ofNodes(ctx, entry.count)} rejected by node affinity/selector).`
    : `Pod ${ctx.podName} cannot be scheduled: its nodeSelector (${pairs}) rules out ${ofNodes(ctx, entry.count)}.`;
  remediation.push({
    text: `Label the node(s) meant to run this Pod with ${culprit}, or change ${where(ctx, 'nodeSelector')} to labels the nodes carry.`,
    command: `kubectl label nodes <node-name> ${shellQuote(culprit.split(', ')[0] ?? culprit)}`,
  });
  remediation.push({ text: 'Compare with the labels the nodes have.', command: `kubectl get nodes -L ${shellQuote(Object.keys(selector).join(','))}` });
  if (remediation.length === 2) remediation.push({ text: `Edit the selector in ${ctx.template ? `${ctx.template.kind}/${ctx.template.name}` : `Pod ${ctx.podName}`}.`, command: editCommand(ctx) });
  return { summary, evidence, remediation };
}

// ---------------------------------------------------------------------------------------------------------
// affinity (node affinity, pod affinity, pod anti-affinity, topology spread)

function affinity(ctx: Context, entry: Tally): Section {
  const evidence: Evidence[] = [];
  const remediation: Remediation[] = [];
  const parts: string[] = [];
  const countOf = (match: (r: ClassifiedReason) => boolean) => entry.reasons.filter(match).reduce((s, r) => s + r.count, 0);

  const nodeAffinityReasons = entry.reasons.filter((r) => r.category === 'node-selection' || r.category === 'targeting');
  if (nodeAffinityReasons.length > 0) {
    const terms = requiredNodeAffinityTerms(ctx.pod);
    terms.forEach((term, i) => {
      const described = [...(term.matchExpressions ?? []), ...(term.matchFields ?? [])].map(describeRequirement).join(', ');
      evidence.push({ kind: 'spec', field: `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`, value: described || '(empty term: matches no node)' });
    });
    const keys = [...new Set(terms.flatMap((t) => (t.matchExpressions ?? []).map((e) => e.key)))];
    for (const n of ctx.nodes.slice(0, MAX_NODE_EVIDENCE)) {
      if (keys.length === 0) break;
      const labels = keys.map((k) => `${k}=${n.metadata.labels?.[k] ?? '(unset)'}`).join(', ');
      evidence.push({ kind: 'node', node: n.metadata.name, detail: `${labels}${nodeMatchesTerms(n, terms) ? ' (matches)' : ' (does not match)'}` });
    }
    if (nodeAffinityReasons.some((r) => r.text === NODE_AFFINITY_ENFORCED)) {
      parts.push(`the scheduler profile's own node affinity (addedAffinity) excludes ${ofNodes(ctx, countOf((r) => r.text === NODE_AFFINITY_ENFORCED))}`);
      remediation.push({ text: 'The scheduler configuration adds a node affinity (NodeAffinityArgs.addedAffinity) for this schedulerName; run the Pod with a scheduler profile whose nodes exist, or ask the cluster admins.' });
    } else if (nodeAffinityReasons.some((r) => r.text === NODE_AFFINITY_CONFLICT)) {
      parts.push('its required node affinity terms name node names that contradict each other, so no node can match');
      remediation.push({ text: `Fix the metadata.name matchFields in ${where(ctx, 'affinity.nodeAffinity')}.`, command: editCommand(ctx) });
    } else {
      const count = countOf((r) => r.category === 'node-selection' || r.category === 'targeting');
      parts.push(`its required node affinity matches none of the nodes it could use (${ofNodes(ctx, count)} rejected)`);
      remediation.push({
        text: `Label nodes to satisfy ${where(ctx, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution')}, correct the expression, or move it to preferredDuringSchedulingIgnoredDuringExecution if it is only a preference.`,
        command: keys.length > 0 ? `kubectl get nodes -L ${shellQuote(keys.join(','))}` : editCommand(ctx),
      });
    }
  }

  const podAffinity = countOf((r) => r.text === POD_AFFINITY_MISMATCH);
  if (podAffinity > 0) {
    requiredPodAffinityTerms(ctx.pod, 'podAffinity').forEach((term, i) =>
      evidence.push({ kind: 'spec', field: `spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, value: describePodAffinityTerm(term) }),
    );
    parts.push(`its required pod affinity finds no matching Pod in the topology of ${ofNodes(ctx, podAffinity)}`);
    remediation.push({
      text: `Required podAffinity needs a running Pod that matches its labelSelector in the same topology domain: start that Pod first, fix the labelSelector/namespaces, or use preferredDuringSchedulingIgnoredDuringExecution (${where(ctx, 'affinity.podAffinity')}).`,
      command: kubectl(ctx.namespace, 'get pods --show-labels -o wide'),
    });
  }
  const antiAffinity = countOf((r) => r.text === POD_ANTI_AFFINITY_MISMATCH);
  if (antiAffinity > 0) {
    const terms = requiredPodAffinityTerms(ctx.pod, 'podAntiAffinity');
    terms.forEach((term, i) =>
      evidence.push({ kind: 'spec', field: `spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, value: describePodAffinityTerm(term) }),
    );
    const topologyKey = String(terms[0]?.topologyKey ?? 'its topologyKey');
    parts.push(`its required pod anti-affinity (${topologyKey}) rules out ${ofNodes(ctx, antiAffinity)}, which already run a matching Pod`);
    remediation.push({
      text: `Required podAntiAffinity on ${topologyKey} allows one matching Pod per ${topologyKey === 'kubernetes.io/hostname' ? 'node' : 'topology domain'}: add nodes/domains, lower the replica count, or switch to preferredDuringSchedulingIgnoredDuringExecution (${where(ctx, 'affinity.podAntiAffinity')}).`,
      command: editCommand(ctx),
    });
  }
  const existing = countOf((r) => r.text === EXISTING_ANTI_AFFINITY_MISMATCH);
  if (existing > 0) {
    parts.push(`Pods already on ${ofNodes(ctx, existing)} have required anti-affinity against this Pod's labels`);
    remediation.push({ text: "Other Pods' required podAntiAffinity matches this Pod's labels: find them (podAntiAffinity in their spec) and relax their rule, or change this Pod's labels.", command: 'kubectl get pods -A -o wide' });
  }
  const spread = countOf((r) => r.category === 'topology-spread');
  if (spread > 0) {
    parts.push(`its topologySpreadConstraints (whenUnsatisfiable: DoNotSchedule) rule out ${ofNodes(ctx, spread)}`);
    remediation.push({ text: `A DoNotSchedule spread constraint cannot be met with the current nodes: add nodes in the missing domains, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway (${where(ctx, 'topologySpreadConstraints')}).`, command: 'kubectl get nodes -L topology.kubernetes.io/zone,kubernetes.io/hostname' });
  }
  const summary = `Pod ${ctx.podName} cannot be scheduled: ${parts.length > 0 ? parts.join('; ') : `its affinity rules rule out ${ofNodes(ctx, entry.count)}`}.`;
  return { summary, evidence, remediation };
}

// ---------------------------------------------------------------------------------------------------------
// taint

interface TaintGroup {
  key: string;
  value: string;
  effect: string | undefined;
  nodes: Node[];
  count: number;
}

function taints(ctx: Context, entry: Tally): Section {
  const tolerations = ctx.pod.spec.tolerations ?? [];
  const groups = new Map<string, TaintGroup>();
  const group = (key: string, value: string, effect: string | undefined): TaintGroup => {
    const id = `${key}=${value}`;
    let g = groups.get(id);
    if (!g) {
      g = { key, value, effect, nodes: [], count: 0 };
      groups.set(id, g);
    }
    if (!g.effect && effect) g.effect = effect;
    return g;
  };
  // Per node, the taint the scheduler stops at (ignoring the readiness taints, which are no-ready-nodes).
  const untolerated = ctx.nodes
    .map((node) => ({ node, taint: firstUntoleratedTaint(node, tolerations) }))
    .filter((x): x is { node: Node; taint: NonNullable<typeof x.taint> } => x.taint !== null && !isReadinessTaint(x.taint.key));
  for (const reason of entry.reasons) {
    if (reason.taint) {
      const nodes = untolerated.filter((x) => x.taint.key === reason.taint?.key && (x.taint.value ?? '') === reason.taint.value);
      const g = group(reason.taint.key, reason.taint.value, nodes[0]?.taint.effect);
      g.count += reason.count;
      for (const x of nodes) if (!g.nodes.includes(x.node)) g.nodes.push(x.node);
    }
  }
  const unnamed = entry.reasons.some((r) => !r.taint && (UNTOLERATED_TAINTS_UNNAMED as readonly string[]).includes(r.text));
  if (unnamed) {
    for (const x of untolerated) {
      const g = group(x.taint.key, x.taint.value ?? '', x.taint.effect);
      if (!g.nodes.includes(x.node)) {
        g.nodes.push(x.node);
        g.count += 1;
      }
    }
  }
  const evidence: Evidence[] = [];
  const remediation: Remediation[] = [];
  const list = [...groups.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  for (const g of list) {
    for (const n of g.nodes.slice(0, MAX_NODE_EVIDENCE)) {
      evidence.push({ kind: 'node', node: n.metadata.name, detail: `taint ${taintText(g)} (not tolerated by the Pod)` });
    }
  }
  evidence.push({
    kind: 'spec',
    field: 'spec.tolerations',
    value: tolerations.length > 0 ? tolerations.map((t) => `${t.key ?? '*'}${t.value ? `=${t.value}` : ''}:${t.effect ?? '*'} op=${t.operator ?? 'Equal'}`).join('; ') : '(none)',
  });
  for (const g of list) {
    const isControlPlane = g.key === 'node-role.kubernetes.io/control-plane' || g.key === 'node-role.kubernetes.io/master';
    const tol = tolerationYaml({ key: g.key, value: g.value, effect: g.effect });
    if (isControlPlane) {
      remediation.push({
        text: `${g.count === 1 ? '1 node is a control-plane node' : `${g.count} nodes are control-plane nodes`} (taint ${taintText(g)}), kept free of workloads on purpose: add worker nodes rather than tolerating it. Only if this Pod belongs on the control plane, add to ${where(ctx, 'tolerations')}:`,
        snippet: tol,
        command: 'kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints',
      });
    } else {
      remediation.push({ text: `Add a toleration for ${taintText(g)} to ${where(ctx, 'tolerations')} if the Pod belongs on ${g.nodes.length > 0 ? nodeList(g.nodes) : 'those nodes'}:`, snippet: tol, command: editCommand(ctx) });
      remediation.push({
        text: `Or, if the taint is a leftover, remove it from the node${g.nodes.length === 1 ? '' : 's'}.`,
        command: `kubectl taint nodes ${g.nodes[0]?.metadata.name ? shellQuote(g.nodes[0]?.metadata.name) : '<node-name>'} ${shellQuote(g.key)}${g.value ? `=${shellQuote(g.value)}` : ''}${g.effect ? `:${shellQuote(g.effect)}` : ''}-`,
      });
    }
  }
  if (list.length === 0) {
    remediation.push({
      text: 'This scheduler version does not name the taint and the snapshot has no nodes to look it up: list the nodes\' taints, then add a matching toleration or remove the taint.',
      command: 'kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints',
    });
  }
  const named = list.map((g) => `${taintText(g)}${list.length > 1 ? ` (${nodesText(g.count)})` : ''}`).join(', ');
  const summary = list.length > 0
    ? `Pod ${ctx.podName} cannot be scheduled: ${ofNodes(ctx, entry.count)} have ${list.length === 1 ? 'a taint' : 'taints'} it does not tolerate: ${named}.`
    : `Pod ${ctx.podName} cannot be scheduled: ${ofNodes(ctx, entry.count)} have taints it does not tolerate.`;
  return { summary, evidence, remediation };
}

// ---------------------------------------------------------------------------------------------------------
// no-ready-nodes

function noReadyNodes(ctx: Context, entry: Tally): Section {
  const evidence: Evidence[] = [];
  const remediation: Remediation[] = [];
  if (entry.reasons.some((r) => r.text === NO_NODES_AVAILABLE)) {
    return {
      summary: `Pod ${ctx.podName} cannot be scheduled: the cluster has no nodes at all (${NO_NODES_AVAILABLE}).`,
      evidence,
      remediation: [{ text: 'Add nodes (node pool, autoscaler minimum, or join workers to the cluster).', command: 'kubectl get nodes' }],
    };
  }
  const troubled = ctx.nodes.map((node) => ({ node, problem: nodeReadinessProblem(node) })).filter((x): x is { node: Node; problem: string } => x.problem !== null);
  for (const x of troubled.slice(0, MAX_NODE_EVIDENCE)) evidence.push({ kind: 'node', node: x.node.metadata.name, detail: x.problem });
  const cordoned = troubled.filter((x) => x.node.spec?.unschedulable);
  const notReady = troubled.filter((x) => !isNodeReady(x.node));
  const pressure = troubled.filter((x) => isNodeReady(x.node) && !x.node.spec?.unschedulable);
  const parts: string[] = [];
  if (notReady.length > 0) parts.push(`${nodeList(notReady.map((x) => x.node))} ${notReady.length === 1 ? 'is' : 'are'} NotReady`);
  if (cordoned.length > 0) parts.push(`${nodeList(cordoned.map((x) => x.node))} ${cordoned.length === 1 ? 'is' : 'are'} cordoned`);
  if (pressure.length > 0) parts.push(`${nodeList(pressure.map((x) => x.node))} carr${pressure.length === 1 ? 'ies' : 'y'} a condition taint`);
  const named = entry.reasons.filter((r) => r.taint).map((r) => r.taint?.key ?? '');
  if (parts.length === 0) {
    const why = entry.reasons.some((r) => r.text === NODES_UNSCHEDULABLE) ? 'are cordoned (spec.unschedulable)' : named.length > 0 ? `carry ${[...new Set(named)].join(', ')}` : 'are not ready';
    parts.push(`${ofNodes(ctx, entry.count)} ${why}`);
  }
  const summary = `Pod ${ctx.podName} has no usable node: ${parts.join('; ')} (${ofNodes(ctx, entry.count)} rejected for readiness).`;
  for (const x of cordoned) {
    remediation.push({ text: `${x.node.metadata.name} is cordoned; if its maintenance or drain is over, let it take Pods again.`, command: `kubectl uncordon ${shellQuote(x.node.metadata.name)}` });
  }
  if (cordoned.length === 0 && entry.reasons.some((r) => r.text === NODES_UNSCHEDULABLE)) {
    remediation.push({ text: 'Cordoned nodes refuse new Pods; uncordon the ones whose maintenance is over.', command: 'kubectl uncordon <node-name>' });
  }
  for (const x of notReady.slice(0, 3)) {
    remediation.push({
      text: `${x.node.metadata.name} is NotReady: look at its conditions, then at the kubelet on the machine (systemctl status kubelet; journalctl -u kubelet), or replace the node.`,
      command: `kubectl describe node ${shellQuote(x.node.metadata.name)}`,
    });
  }
  for (const x of pressure.slice(0, 3)) {
    remediation.push({ text: `${x.node.metadata.name} reports pressure or an unavailable network (${x.problem}); free the resource on the node, and it takes Pods again once the condition clears.`, command: `kubectl describe node ${shellQuote(x.node.metadata.name)}` });
  }
  if (remediation.length === 0) remediation.push({ text: 'Find out why the nodes cannot take Pods (STATUS NotReady or SchedulingDisabled).', command: 'kubectl get nodes' });
  return { summary, evidence, remediation };
}
