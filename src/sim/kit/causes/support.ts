/**
 * Helpers shared by the recipes of several scenarios: the events the kubelet records, where a Pod
 * runs, healthy replacements, node pressure, and the recipe shape of a container config error.
 */
import type { Container, Pod } from '../../../contract/k8s.ts';
import type { CauseId } from '../../../contract/scenarios.ts';
import { createReplacement } from '../controllers.ts';
import type { EventProto, EventSpec } from '../events.ts';
import { NODE_CONDITION_TEXT, PRESSURE_TAINTS, pressuredNode, type PressureType } from '../nodes.ts';
import { configErrorPlan } from '../plans.ts';
import type { ReplicaSetRecord, SimState } from '../state.ts';
import { fieldPath, podRefOf, type PodPlacement, type PodTemplate } from '../workloads.ts';
import type { Build, CauseDef, PlanContext } from './recipe.ts';

/** The workload's main container (the template's first). */
export const main = (t: PodTemplate): Container => t.spec.containers[0] as Container;

export function kubeletEvent(pod: Pod, node: string, k: string, type: EventProto['type'], reason: string, message: string, atMs: number, container?: string): EventSpec {
  return {
    key: k,
    involved: container ? { ...podRefOf(pod), fieldPath: fieldPath(container) } : podRefOf(pod),
    namespace: pod.metadata.namespace ?? 'default',
    type,
    reason,
    message,
    source: { component: 'kubelet', host: node },
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  };
}

export function nodeKubeletEvent(node: string, k: string, reason: string, message: string, atMs: number): EventSpec {
  // The kubelet records node events with the node name as uid, in the default namespace (pkg/kubelet/kubelet.go nodeRef).
  return {
    key: k,
    involved: { kind: 'Node', name: node, uid: node },
    namespace: 'default',
    type: 'Warning',
    reason,
    message,
    source: { component: 'kubelet', host: node },
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  };
}

export function placementOf(pod: Pod, state: SimState): PodPlacement {
  const node = state.node(pod.spec.nodeName ?? '');
  const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
  const host = (pod.status as { hostIP?: string } | undefined)?.hostIP;
  if (node && ip && host) return { node: node.metadata.name, hostIP: host, podIP: ip };
  if (!node) throw new Error(`sim: pod ${pod.metadata.name} is not on a node`);
  return state.placement(node);
}

/** A healthy replacement for each of `pods` (their ReplicaSet creates one as soon as a Pod stops counting). */
export function replaceAll(b: Build, count: number, atMs: number, avoid?: ReadonlySet<string>): void {
  const rs = b.workload.replicaSets.at(-1) as ReplicaSetRecord;
  for (let i = 0; i < count; i++) createReplacement(b.state, b.workload, rs, atMs, avoid);
}

export function pressure(b: Build, nodeName: string, type: PressureType, sinceMs: number): void {
  const node = b.state.node(nodeName);
  if (!node) return;
  b.state.writeNode(pressuredNode(node, type, sinceMs));
  const taintKey = PRESSURE_TAINTS[type];
  b.workload.undo.push(() => {
    const current = b.state.node(nodeName);
    if (!current) return;
    const next = structuredClone(current);
    const at = b.state.isoNow();
    next.status = {
      ...next.status,
      conditions: (next.status?.conditions ?? []).map((c) => (c.type === type ? { ...c, status: 'False', ...NODE_CONDITION_TEXT[type].ok, lastTransitionTime: at } : c)),
    };
    const taints = (next.spec?.taints ?? []).filter((t) => t.key !== taintKey);
    next.spec = { ...next.spec };
    if (taints.length > 0) next.spec.taints = taints;
    else delete next.spec.taints;
    b.state.writeNode(next);
  });
}

export function configCause(cause: CauseId, template: (t: PodTemplate, b: Build) => void, reason: string, message: (c: Container, b: PlanContext) => string): CauseDef {
  return {
    cause,
    category: 'failing',
    startedSecondsAgo: 1200,
    template,
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      return configErrorPlan({ createdMs, place: place as PodPlacement, container: c.name, reason, message: message(c, b) });
    },
    replacement: 'same',
    recover: 'rollout',
  };
}
