/**
 * A simulated cluster on top of the ObjectStore: nodes, healthy and broken workloads (one builder per
 * cause of shared/scenarios.md), and a clock that evolves them the way the kubelet and the controllers
 * would (restarts with back-off, pull retries, scheduler retries, node loss and taint eviction,
 * graceful deletion, rollouts). The demo and the tests use the same kit.
 *
 * Every write goes through the store, so watchers (the fake API server, informers) see ADDED and
 * MODIFIED events with fresh resourceVersions.
 */
import type { Node, Pod } from '../../contract/k8s.ts';
import { ALL_CAUSE_IDS, type CauseId } from '../../contract/scenarios.ts';
import type { Snapshot } from '../../contract/snapshot.ts';
import type { KubeObject, ObjectStore } from '../store.ts';
import { canRollOut, CAUSES, createFailingPod, type Build, type CauseDef } from './causes/index.ts';
import { clockFor } from './clock.ts';
import {
  finishTermination,
  heartbeats,
  loseNodeAt,
  renderBlocked,
  restoreNodeAt,
  settleWorkloads,
  terminatePod,
  type FailingPodMaker,
} from './controllers.ts';
import { iso, templateHash } from './ids.ts';
import type { NodeSpec } from './nodes.ts';
import { populateCluster, seedDemoCluster, type PopulateOptions, type PopulateResult } from './seed.ts';
import { snapshotsFromStore, type SnapshotOptions } from './snapshots.ts';
import { key, SimState, type ReplicaSetRecord, type WorkloadRecord } from './state.ts';
import { defaultTemplate, deploymentObject, ownerRef, replicaSetObject, type PodTemplate } from './workloads.ts';

export { createSimClock, type SimClock } from './clock.ts';
export type { NodeSpec } from './nodes.ts';
export type { PopulateOptions, PopulateResult } from './seed.ts';

export interface ClusterSimulatorOptions {
  store: ObjectStore;
  /**
   * The simulated clock. Pass the `now` of a createSimClock() that the store shares, so that graceful
   * deletions the store stamps agree with the simulator. Default: the store's clock, advanced by an offset.
   */
  now?: () => Date;
  /** Nodes to start with: a count (worker-1 … worker-N, 4 CPU / 16Gi each) or specs. Default 3. */
  nodes?: number | NodeSpec[];
  /** Seed for names and uids, so the same calls build the same cluster. Default 1. */
  seed?: number;
}

export interface PlantedWorkload {
  namespace: string;
  /** The Deployment's name. */
  workload: string;
  kind: 'Deployment';
  /** The cause its Pods (or ReplicaSet) show; null for a healthy workload. */
  causeId: CauseId | null;
}

export interface DeployOptions {
  namespace: string;
  name: string;
  replicas?: number;
  image?: string;
  /** How long the workload has been running. Default 1 hour. */
  ageSeconds?: number;
}

export interface BreakOptions {
  namespace: string;
  name: string;
  replicas?: number;
  /** How long ago the failure began; the default per cause is past the engine's thresholds. */
  startedSecondsAgo?: number;
}

export interface AdvanceOptions {
  /** Render intermediate states every this many seconds (watchers see each step). Default: one jump. */
  stepSeconds?: number;
}

export interface RolloutOptions {
  /** The new revision's Pods fail by this cause; the rollout then stalls at maxSurge like the real controller. */
  breakAs?: CauseId;
}

export interface OwnedObjects {
  pods: string[];
  replicaSets: string[];
}

export interface ClusterSimulator {
  readonly store: ObjectStore;
  now(): Date;
  nodes(): Node[];
  addNode(spec?: NodeSpec): Node;
  /** A Deployment with a ReplicaSet (revision 1) and Running/Ready Pods spread over the Ready nodes. */
  deployHealthy(options: DeployOptions): PlantedWorkload;
  /**
   * A Deployment whose Pods (or, for quota and admission causes, whose ReplicaSet) show `cause`, with the
   * events, node state, quotas, claims and logs the control plane would leave. unschedulable.taint and
   * unschedulable.no-ready-nodes taint or cordon every node, as those incidents do, so whatever is scheduled
   * afterwards stays Pending too; the node-loss causes add a node of their own.
   */
  breakWorkload(cause: CauseId, options: BreakOptions): PlantedWorkload;
  /** Moves the clock and lets the kubelet and the controllers act. */
  advance(seconds: number, options?: AdvanceOptions): void;
  /** The node's kubelet stops reporting (Ready=Unknown, unreachable taints, Pods NotReady, evictions after 300 s). */
  loseNode(name: string): void;
  restoreNode(name: string): void;
  /** A fix is rolled out: the workload's Pods run and are Ready again. */
  recover(namespace: string, name: string): void;
  rollout(namespace: string, deployment: string, image: string, options?: RolloutOptions): PlantedWorkload;
  /** `kubectl delete pod`: graceful; the kubelet stops it, the ReplicaSet replaces it. */
  deletePod(namespace: string, name: string): void;
  /** `kubectl delete pod --grace-period=0 --force`. */
  forceDeletePod(namespace: string, name: string): void;
  populate(options: PopulateOptions): PopulateResult;
  /** One broken workload per scenario plus a few healthy ones; returns the broken ones. */
  seedDemo(): PlantedWorkload[];
  /** The Pods and ReplicaSets the workload owns now. */
  ownedBy(namespace: string, name: string): OwnedObjects;
  /** Every workload this simulator built, with its cause. */
  workloads(): PlantedWorkload[];
  /** The engine's input for the store's current objects, observed now. */
  snapshots(options?: SnapshotOptions): Snapshot[];
}

export function createClusterSimulator(options: ClusterSimulatorOptions): ClusterSimulator {
  const { store } = options;
  const clock = clockFor(options.now ?? store.now);
  const state = new SimState(store, clock, options.seed ?? 1);

  const makeFailing: FailingPodMaker = (s, w, rs, atMs) => {
    if (rs.pods.kind !== 'cause') return;
    createFailingPod(s, w, rs, CAUSES[rs.pods.cause], atMs);
  };
  state.makeFailing = makeFailing;

  const initial = options.nodes ?? 3;
  if (typeof initial === 'number') for (let i = 0; i < initial; i++) state.addNode({});
  else for (const spec of initial) state.addNode(spec);

  function finish(atMs: number): void {
    state.renderAll(atMs);
    renderBlocked(state, atMs);
    settleWorkloads(state, atMs, makeFailing);
  }

  function planted(w: WorkloadRecord): PlantedWorkload {
    return { namespace: w.namespace, workload: w.name, kind: 'Deployment', causeId: w.causeId };
  }

  /** Creates the Deployment and its first ReplicaSet (revision 1) in the store. */
  function createDeployment(w: WorkloadRecord, template: PodTemplate, createdMs: number): ReplicaSetRecord {
    if (state.workloads.has(key(w.namespace, w.name)) || state.stored('deployments', w.namespace, w.name)) {
      throw new Error(`sim: deployment ${w.namespace}/${w.name} already exists`);
    }
    store.ensureNamespace(w.namespace);
    state.workloads.set(key(w.namespace, w.name), w);
    store.create(deploymentObject({ namespace: w.namespace, name: w.name, uid: w.uid, createdMs, replicas: w.replicas, revision: 1, template }) as unknown as KubeObject);
    return addReplicaSet(w, template, createdMs, 1, w.replicas);
  }

  function addReplicaSet(w: WorkloadRecord, template: PodTemplate, createdMs: number, revision: number, replicas: number): ReplicaSetRecord {
    let hash = templateHash(template);
    for (let i = 1; w.replicaSets.some((rs) => rs.hash === hash); i++) hash = templateHash(template, i);
    const rs: ReplicaSetRecord = {
      name: `${w.name}-${hash}`,
      uid: state.uuid(),
      hash,
      revision,
      template: structuredClone(template),
      replicas,
      createdMs,
      pods: { kind: 'healthy' },
    };
    w.replicaSets.push(rs);
    store.create(
      replicaSetObject({
        namespace: w.namespace,
        name: rs.name,
        uid: rs.uid,
        hash,
        createdMs,
        replicas,
        revision,
        template,
        owner: ownerRef('apps/v1', 'Deployment', w.name, w.uid),
      }) as unknown as KubeObject,
    );
    // source: kubernetes/kubernetes pkg/controller/deployment/sync.go (scaleReplicaSet: Normal ScalingReplicaSet
    //   "Scaled %s replica set %s from %d to %d")
    state.writeEvents([deploymentEvent(w, `ScalingReplicaSet|${rs.name}|up`, `Scaled up replica set ${rs.name} from 0 to ${replicas}`, createdMs)]);
    return rs;
  }

  function deploymentEvent(w: WorkloadRecord, k: string, message: string, atMs: number) {
    return {
      key: k,
      involved: { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, namespace: w.namespace, uid: w.uid },
      namespace: w.namespace,
      type: 'Normal' as const,
      reason: 'ScalingReplicaSet',
      message,
      source: { component: 'deployment-controller' },
      count: 1,
      firstMs: atMs,
      lastMs: atMs,
    };
  }

  function scaleReplicaSet(w: WorkloadRecord, rs: ReplicaSetRecord, replicas: number, atMs: number): void {
    if (rs.replicas === replicas) return;
    const from = rs.replicas;
    rs.replicas = replicas;
    const stored = state.stored('replicasets', w.namespace, rs.name);
    if (stored) {
      const next = structuredClone(stored);
      next.spec = { ...next.spec, replicas };
      state.writeWorkload('replicasets', next);
    }
    const dir = replicas > from ? 'up' : 'down';
    state.writeEvents([deploymentEvent(w, `ScalingReplicaSet|${rs.name}|${dir}|${atMs}`, `Scaled ${dir} replica set ${rs.name} from ${from} to ${replicas}`, atMs)]);
    state.dirty.add(key(w.namespace, w.name));
  }

  function newWorkload(namespace: string, name: string, replicas: number, createdMs: number, base: PodTemplate, causeId: CauseId | null): WorkloadRecord {
    return { namespace, name, kind: 'Deployment', uid: state.uuid(), createdMs, replicas, baseTemplate: base, replicaSets: [], causeId, undo: [] };
  }

  function deployHealthy(o: DeployOptions): PlantedWorkload {
    const now = state.nowMs();
    const createdMs = now - (o.ageSeconds ?? 3600) * 1000;
    const template = defaultTemplate(o.namespace, o.name, o.image);
    const w = newWorkload(o.namespace, o.name, o.replicas ?? 2, createdMs, template, null);
    const rs = createDeployment(w, template, createdMs);
    const usage = state.usage();
    const counts = new Map<string, number>();
    for (let i = 0; i < w.replicas; i++) {
      const node = state.choose(template.spec, usage, { counts });
      if (!node) throw new Error(`sim: no Ready node fits a Pod of ${o.namespace}/${o.name} (add nodes first)`);
      state.createHealthyPod(w, rs, node, createdMs + i * 250);
    }
    finish(now);
    return planted(w);
  }

  function breakWorkload(cause: CauseId, o: BreakOptions): PlantedWorkload {
    const def: CauseDef | undefined = CAUSES[cause];
    if (!def) throw new Error(`sim: unknown cause ${String(cause)} (one of ${ALL_CAUSE_IDS.join(', ')})`);
    const now = state.nowMs();
    const startedMs = now - (o.startedSecondsAgo ?? def.startedSecondsAgo) * 1000;
    const createdMs = startedMs - (def.ranSecondsBefore ?? 0) * 1000;
    const base = defaultTemplate(o.namespace, o.name);
    const template = structuredClone(base);
    const w = newWorkload(o.namespace, o.name, o.replicas ?? 2, createdMs, base, cause);
    const b: Build = { state, cause, namespace: o.namespace, name: o.name, replicas: w.replicas, startedMs, nowMs: now, workload: w };
    def.template?.(template, b);
    if (def.dedicatedNode) w.dedicatedNode = state.addNode({}, createdMs - 86_400_000).metadata.name;
    const rs = createDeployment(w, template, createdMs);
    rs.pods = def.replacement === 'same' ? { kind: 'cause', cause } : { kind: 'healthy' };
    def.setup?.(b);
    if (def.category === 'admission') {
      const admission = def.admission;
      if (!admission) throw new Error(`sim: ${cause} has no admission message`);
      rs.blocked = { sinceMs: startedMs, message: (podName) => admission(b, podName) };
    } else if (def.category === 'aftermath') {
      const usage = state.usage();
      const counts = new Map<string, number>();
      const pods: Pod[] = [];
      for (let i = 0; i < w.replicas; i++) {
        const node = w.dedicatedNode ? state.node(w.dedicatedNode) : state.choose(template.spec, usage, { counts });
        if (!node) throw new Error(`sim: no Ready node fits a Pod of ${o.namespace}/${o.name} (add nodes first)`);
        pods.push(state.createHealthyPod(w, rs, node, createdMs + i * 250));
      }
      def.aftermath?.(b, pods);
    } else {
      const pods: Pod[] = [];
      for (let i = 0; i < w.replicas; i++) pods.push(createFailingPod(state, w, rs, def, createdMs));
      def.afterPods?.(b, pods);
    }
    state.runTimers(now, false);
    finish(now);
    return planted(w);
  }

  function advance(seconds: number, o: AdvanceOptions = {}): void {
    if (!(seconds > 0)) return;
    const start = state.nowMs();
    const target = start + seconds * 1000;
    const step = o.stepSeconds && o.stepSeconds > 0 ? o.stepSeconds * 1000 : seconds * 1000;
    let t = start;
    while (t < target) {
      t = Math.min(t + step, target);
      state.runTimers(t, true);
      clock.advanceTo(t);
      heartbeats(state, t);
      finish(t);
    }
  }

  function rollTemplate(w: WorkloadRecord, template: PodTemplate, atMs: number, def: CauseDef | undefined, complete: boolean): ReplicaSetRecord {
    const revision = (w.replicaSets.at(-1)?.revision ?? 0) + 1;
    const surge = Math.max(1, Math.ceil(w.replicas * 0.25));
    const unavailable = Math.floor(w.replicas * 0.25);
    const rs = addReplicaSet(w, template, atMs, revision, complete ? w.replicas : Math.min(surge, w.replicas));
    if (def) rs.pods = def.replacement === 'same' ? { kind: 'cause', cause: def.cause } : { kind: 'healthy' };
    const stored = state.stored('deployments', w.namespace, w.name);
    if (stored) {
      const next = structuredClone(stored);
      next.metadata.annotations = { ...next.metadata.annotations, 'deployment.kubernetes.io/revision': String(revision) };
      next.spec = { ...next.spec, template: { metadata: { labels: { ...template.labels } }, spec: structuredClone(template.spec) } };
      state.writeWorkload('deployments', next);
    }
    const old = w.replicaSets.filter((x) => x !== rs);
    // source: pkg/controller/deployment/rolling.go (reconcileOldReplicaSets: scale old ReplicaSets down by what
    //   maxUnavailable allows while the new one is not available).
    let keep = complete ? 0 : w.replicas - unavailable;
    for (const o of [...old].reverse()) {
      const n = Math.min(o.replicas, keep);
      keep -= n;
      scaleReplicaSet(w, o, n, atMs);
    }
    state.dirty.add(key(w.namespace, w.name));
    return rs;
  }

  function rollout(namespace: string, deployment: string, image: string, o: RolloutOptions = {}): PlantedWorkload {
    const w = state.workload(namespace, deployment);
    const now = state.nowMs();
    const healthy = structuredClone(w.baseTemplate);
    const c = healthy.spec.containers[0];
    if (c) c.image = image;
    w.baseTemplate = healthy;
    const template = structuredClone(healthy);
    const def = o.breakAs ? CAUSES[o.breakAs] : undefined;
    if (def && !canRollOut(def)) throw new Error(`sim: ${def.cause} happens to running Pods; a rollout cannot carry it`);
    if (def) {
      const b: Build = { state, cause: def.cause, namespace, name: deployment, replicas: w.replicas, startedMs: now, nowMs: now, workload: w };
      def.template?.(template, b);
      def.setup?.(b);
      const rs = rollTemplate(w, template, now, def, false);
      if (def.category === 'admission' && def.admission) {
        const admission = def.admission;
        rs.blocked = { sinceMs: now, message: (podName) => admission(b, podName) };
      }
      finish(now);
      def.afterPods?.(b, state.podsOf(namespace, rs.uid));
    } else {
      rollTemplate(w, template, now, undefined, true);
    }
    w.causeId = o.breakAs ?? null;
    finish(now);
    return planted(w);
  }

  function podsOfWorkload(w: WorkloadRecord): Pod[] {
    return w.replicaSets.flatMap((rs) => state.podsOf(w.namespace, rs.uid));
  }

  function recover(namespace: string, name: string): void {
    const w = state.workload(namespace, name);
    const def = w.causeId ? CAUSES[w.causeId] : undefined;
    if (!def) return;
    const now = state.nowMs();
    for (const undo of w.undo.splice(0)) undo();
    const pods = podsOfWorkload(w);
    switch (def.recover) {
      case 'rollout': {
        // The fix rolls out; the failing Pods stop at once (nothing of theirs is running or it crashes anyway).
        rollTemplate(w, structuredClone(w.baseTemplate), now, undefined, true);
        for (const pod of pods) {
          if (!state.pod(namespace, pod.metadata.name)) continue;
          store.delete('pods', namespace, pod.metadata.name, { gracePeriodSeconds: 0 });
          state.tracked.delete(key(namespace, pod.metadata.name));
        }
        break;
      }
      case 'nodes':
        break;
      case 'admission':
        for (const rs of w.replicaSets) {
          delete rs.blocked;
          rs.pods = { kind: 'healthy' };
          const stored = state.stored('replicasets', namespace, rs.name);
          if (stored) {
            const next = structuredClone(stored);
            if (next.status) delete next.status.conditions;
            state.writeWorkload('replicasets', next);
          }
        }
        break;
      case 'pvc':
        for (const [k] of state.sideRenders) if (k.startsWith(`pvc/${namespace}/`)) state.sideRenders.delete(k);
        for (const claim of store.list('persistentvolumeclaims', { namespace }).items) {
          const pvc = claim as KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
          if (pvc.status?.['phase'] === 'Bound') continue;
          const next = structuredClone(pvc);
          next.spec = { ...next.spec, volumeName: `pvc-${String(pvc.metadata.uid)}` };
          next.status = { phase: 'Bound', accessModes: next.spec['accessModes'], capacity: { storage: '50Gi' } };
          next.metadata.resourceVersion = undefined;
          store.update(next);
        }
        break;
      case 'restore-node':
        if (w.dedicatedNode) restoreNodeAt(state, w.dedicatedNode, now);
        state.runTimers(now + 1000, false);
        break;
      case 'remove-finalizers':
        for (const pod of pods) {
          if (!pod.metadata.deletionTimestamp || !pod.metadata.finalizers?.length) continue;
          state.updatePod(pod, (next) => {
            next.metadata.finalizers = [];
          });
        }
        break;
      case 'kill':
      case 'finish-termination':
        for (const pod of pods) {
          if (!pod.metadata.deletionTimestamp) continue;
          state.unkillable.delete(key(namespace, pod.metadata.name));
          finishTermination(state, namespace, pod.metadata.name, pod.metadata.uid, now);
        }
        break;
      case 'cleanup':
        for (const pod of pods) if (pod.status?.phase === 'Failed') store.delete('pods', namespace, pod.metadata.name, { gracePeriodSeconds: 0 });
        break;
    }
    for (const rs of w.replicaSets) if (rs.pods.kind === 'cause') rs.pods = { kind: 'healthy' };
    w.causeId = null;
    state.dirty.add(key(namespace, name));
    finish(now);
  }

  function deletePod(namespace: string, name: string): void {
    const pod = state.pod(namespace, name);
    if (!pod) throw new Error(`sim: no pod ${namespace}/${name}`);
    const now = state.nowMs();
    const result = store.delete('pods', namespace, name);
    state.tracked.delete(key(namespace, name));
    const current = result.deleted ? undefined : (result.object as unknown as Pod);
    const node = current?.spec.nodeName;
    if (current && node && !state.lostNodes.has(node) && !state.unkillable.has(key(namespace, name))) terminatePod(state, current, now, 1);
    markDirtyFor(pod);
    finish(now);
  }

  function forceDeletePod(namespace: string, name: string): void {
    const pod = state.pod(namespace, name);
    if (!pod) throw new Error(`sim: no pod ${namespace}/${name}`);
    store.delete('pods', namespace, name, { gracePeriodSeconds: 0 });
    state.tracked.delete(key(namespace, name));
    state.unkillable.delete(key(namespace, name));
    markDirtyFor(pod);
    finish(state.nowMs());
  }

  function markDirtyFor(pod: Pod): void {
    const owner = pod.metadata.ownerReferences?.[0]?.uid;
    for (const w of state.workloads.values()) {
      if (w.namespace === pod.metadata.namespace && w.replicaSets.some((rs) => rs.uid === owner)) state.dirty.add(key(w.namespace, w.name));
    }
  }

  const sim: ClusterSimulator = {
    store,
    now: () => clock.now(),
    nodes: () => state.nodes(),
    addNode(spec = {}) {
      const node = state.addNode(spec);
      finish(state.nowMs());
      return node;
    },
    deployHealthy,
    breakWorkload,
    advance,
    loseNode(name) {
      const now = state.nowMs();
      loseNodeAt(state, name, now);
      finish(now);
    },
    restoreNode(name) {
      const now = state.nowMs();
      restoreNodeAt(state, name, now);
      state.runTimers(now + 1000, false);
      finish(now);
    },
    recover,
    rollout,
    deletePod,
    forceDeletePod,
    populate: (o) => populateCluster(state, o),
    seedDemo: () => seedDemoCluster(sim),
    ownedBy(namespace, name) {
      const w = state.workload(namespace, name);
      return { pods: podsOfWorkload(w).map((p) => p.metadata.name).sort(), replicaSets: w.replicaSets.map((rs) => rs.name) };
    },
    workloads: () => [...state.workloads.values()].map(planted),
    snapshots: (o = {}) => snapshotsFromStore(store, iso(state.nowMs()), o),
  };
  return sim;
}
