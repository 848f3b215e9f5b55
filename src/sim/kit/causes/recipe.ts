/**
 * What a cause recipe is: how it bends the workload's template, what it changes in the cluster
 * around it, and how its Pods fail over time; and how one failing Pod of a recipe is created.
 * The recipes themselves are one file per scenario in this folder, mapped by cause id in index.ts.
 */
import type { Pod } from '../../../contract/k8s.ts';
import type { CauseId, CauseOf, ScenarioId } from '../../../contract/scenarios.ts';
import type { PodPlan } from '../plans.ts';
import { key, rsOwner, type ReplicaSetRecord, type SimState, type WorkloadRecord } from '../state.ts';
import { podObject, type PodPlacement, type PodTemplate } from '../workloads.ts';

/** What a builder knows while it plants a cause. */
export interface Build {
  state: SimState;
  cause: CauseId;
  namespace: string;
  name: string;
  replicas: number;
  /** When the failure began. */
  startedMs: number;
  nowMs: number;
  workload: WorkloadRecord;
}

export type Category =
  /** Pods wait for the scheduler (no node fits, or a claim is unbound). */
  | 'pending'
  /** Pods fail on their node from the start: their template or dependencies are broken. */
  | 'failing'
  /** Admission refuses the Pods: the ReplicaSet records FailedCreate and no Pod exists. */
  | 'admission'
  /** Pods ran fine, then something happened to them (eviction, node loss, deletion). */
  | 'aftermath';

export type RecoverKind = 'rollout' | 'nodes' | 'admission' | 'pvc' | 'restore-node' | 'remove-finalizers' | 'kill' | 'cleanup' | 'finish-termination';

export interface CauseDef {
  cause: CauseId;
  category: Category;
  /** How long ago the failure began when breakWorkload plants it: past the engine's thresholds. */
  startedSecondsAgo: number;
  /** For failures that began after the Pods had been running: how long they ran fine before. */
  ranSecondsBefore?: number;
  template?(t: PodTemplate, b: Build): void;
  setup?(b: Build): void;
  plan?(b: PlanContext, pod: Pod, place: PodPlacement | undefined, createdMs: number): PodPlan;
  admission?(b: Build, podName: string): string;
  aftermath?(b: Build, pods: Pod[]): void;
  /** For pending and failing causes: cluster changes that follow from the Pods (their node under pressure). */
  afterPods?(b: Build, pods: Pod[]): void;
  /** Pods go on a node of their own (so losing it touches no other workload). */
  dedicatedNode?: boolean;
  /** A replacement Pod fails the same way (template problem) or comes up healthy (circumstance). */
  replacement: 'same' | 'healthy';
  recover: RecoverKind;
}

export interface PlanContext {
  state: SimState;
  namespace: string;
  name: string;
}

/** The recipes of one scenario, one per cause: `RecipesOf<'oom'>` has exactly `oom.container-limit` and `oom.node-pressure`. */
export type RecipesOf<S extends ScenarioId> = Readonly<Record<`${S}.${CauseOf<S>}`, CauseDef>>;

/** The causes whose failure a rollout can carry into its new Pods. */
export function canRollOut(def: CauseDef): boolean {
  return def.category !== 'aftermath';
}

/**
 * Creates one failing (or pending) Pod of `rs` by its cause, failing from createdMs on.
 */
export function createFailingPod(state: SimState, w: WorkloadRecord, rs: ReplicaSetRecord, def: CauseDef, createdMs: number): Pod {
  const spec = rs.template.spec;
  let place: PodPlacement | undefined;
  if (def.category === 'failing') {
    const counts = new Map<string, number>();
    for (const p of state.podsOf(w.namespace, rs.uid)) if (p.spec.nodeName) counts.set(p.spec.nodeName, (counts.get(p.spec.nodeName) ?? 0) + 1);
    const node = state.choose(spec, state.usage(), { counts });
    if (!node) throw new Error(`sim: no Ready node fits a Pod of ${w.namespace}/${w.name} (add nodes first)`);
    place = state.placement(node);
  }
  const pod = podObject({
    namespace: w.namespace,
    name: `${rs.name}-${state.suffix()}`,
    uid: state.uuid(),
    createdMs,
    labels: { ...rs.template.labels, 'pod-template-hash': rs.hash },
    owner: rsOwner(rs),
    spec,
    ...(place ? { nodeName: place.node } : {}),
  });
  const stored = state.createPodObject(pod);
  const plan = def.plan?.({ state, namespace: w.namespace, name: w.name }, stored, place, createdMs);
  if (plan) state.track({ namespace: w.namespace, name: pod.metadata.name, uid: pod.metadata.uid ?? '', workload: key(w.namespace, w.name), plan });
  return stored;
}
