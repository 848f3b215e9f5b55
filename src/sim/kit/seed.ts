/**
 * Ready-made clusters: the demo (one broken workload per scenario among a few healthy ones) and a
 * bulk population of healthy workloads for scale tests and benchmarks.
 */
import { performance } from 'node:perf_hooks';
import type { CauseId } from '../../contract/scenarios.ts';
import type { KubeObject } from '../store.ts';
import type { ClusterSimulator, PlantedWorkload } from './cluster-simulator.ts';
import { templateHash } from './ids.ts';
import { isReady } from './nodes.ts';
import { key, type ReplicaSetRecord, type SimState, type WorkloadRecord } from './state.ts';
import { defaultTemplate, deploymentObject, ownerRef, podObject, replicaSetObject, runningStatus } from './workloads.ts';

export interface PopulateOptions {
  /** Namespace names, or how many to create (load-1 … load-N). */
  namespaces: number | readonly string[];
  /** Deployments in total, spread round-robin over the namespaces. */
  deployments: number;
  podsPerDeployment: number;
  /** The cluster grows to this many nodes first (existing ones count). */
  nodes?: number;
}

export interface PopulateResult {
  namespaces: string[];
  deployments: number;
  pods: number;
  nodes: number;
  elapsedMs: number;
}

/**
 * Creates healthy Deployments, ReplicaSets and Running/Ready Pods directly, with their statuses already
 * settled and no events: fast enough for 10,000 Pods on 500 nodes in well under a few seconds.
 */
export function populateCluster(state: SimState, o: PopulateOptions): PopulateResult {
  const t0 = performance.now();
  const now = state.nowMs();
  const namespaces = typeof o.namespaces === 'number' ? Array.from({ length: o.namespaces }, (_, i) => `load-${i + 1}`) : [...o.namespaces];
  if (namespaces.length === 0) throw new Error('sim: populate needs at least one namespace');
  let nodeCount = state.nodes().length;
  while (nodeCount < (o.nodes ?? nodeCount)) {
    state.addNode({});
    nodeCount += 1;
  }
  const nodes = state.nodes().filter((n) => isReady(n) && !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
  if (nodes.length === 0) throw new Error('sim: populate needs a Ready, untainted node');
  for (const ns of namespaces) state.store.ensureNamespace(ns);
  const createdMs = now - 3600_000;
  let cursor = 0;
  let pods = 0;
  const taken = new Set([...state.workloads.keys()]);
  for (let d = 0; d < o.deployments; d++) {
    const namespace = namespaces[d % namespaces.length] as string;
    let name = `svc-${d + 1}`;
    for (let i = 2; taken.has(key(namespace, name)); i++) name = `svc-${d + 1}-${i}`;
    taken.add(key(namespace, name));
    const template = defaultTemplate(namespace, name);
    const replicas = o.podsPerDeployment;
    const w: WorkloadRecord = { namespace, name, kind: 'Deployment', uid: state.uuid(), createdMs, replicas, baseTemplate: template, replicaSets: [], causeId: null, undo: [] };
    const hash = templateHash(template);
    const rs: ReplicaSetRecord = { name: `${name}-${hash}`, uid: state.uuid(), hash, revision: 1, template, replicas, createdMs, pods: { kind: 'healthy' } };
    w.replicaSets.push(rs);
    state.workloads.set(key(namespace, name), w);
    const settled = { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 };
    const deployment = deploymentObject({ namespace, name, uid: w.uid, createdMs, replicas, revision: 1, template });
    deployment.status = {
      ...settled,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastTransitionTime: new Date(createdMs + 10_000).toISOString().replace('.000Z', 'Z') },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.name}" has successfully progressed.`, lastTransitionTime: new Date(createdMs + 10_000).toISOString().replace('.000Z', 'Z') },
      ],
    };
    state.store.create(deployment as unknown as KubeObject);
    const replicaSet = replicaSetObject({ namespace, name: rs.name, uid: rs.uid, hash, createdMs, replicas, revision: 1, template, owner: ownerRef('apps/v1', 'Deployment', name, w.uid) });
    replicaSet.status = { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 };
    state.store.create(replicaSet as unknown as KubeObject);
    const owner = ownerRef('apps/v1', 'ReplicaSet', rs.name, rs.uid);
    for (let i = 0; i < replicas; i++) {
      const node = nodes[cursor % nodes.length];
      cursor += 1;
      if (!node) continue;
      const pod = podObject({
        namespace,
        name: `${rs.name}-${state.suffix()}`,
        uid: state.uuid(),
        createdMs,
        labels: { ...template.labels, 'pod-template-hash': hash },
        owner,
        spec: template.spec,
        nodeName: node.metadata.name,
      });
      pod.status = runningStatus(pod, state.placement(node), createdMs, createdMs + 3000, createdMs + 13_000, now);
      state.store.create(pod as unknown as KubeObject);
      pods += 1;
    }
  }
  return { namespaces, deployments: o.deployments, pods, nodes: nodeCount, elapsedMs: Math.round(performance.now() - t0) };
}

/** The demo's broken workloads: a representative cause per scenario, in the teams' namespaces. */
export const DEMO_WORKLOADS: readonly { cause: CauseId; namespace: string; name: string; replicas: number }[] = [
  { cause: 'unschedulable.insufficient-resources', namespace: 'batch', name: 'report-builder', replicas: 1 },
  { cause: 'image-pull.unauthorized', namespace: 'payments', name: 'ledger', replicas: 1 },
  { cause: 'dependency.configmap', namespace: 'shop', name: 'frontend', replicas: 2 },
  { cause: 'container-create.bad-command', namespace: 'data', name: 'etl-api', replicas: 1 },
  { cause: 'init.failed', namespace: 'shop', name: 'orders', replicas: 1 },
  { cause: 'hook.post-start', namespace: 'shop', name: 'catalog', replicas: 1 },
  { cause: 'readiness-probe.failed', namespace: 'shop', name: 'gateway', replicas: 2 },
  { cause: 'liveness-probe.failed', namespace: 'shop', name: 'search', replicas: 1 },
  { cause: 'container-exit.after-running', namespace: 'data', name: 'notifier', replicas: 1 },
  { cause: 'oom.container-limit', namespace: 'payments', name: 'billing-api', replicas: 1 },
  { cause: 'evicted.memory', namespace: 'batch', name: 'thumbnailer', replicas: 1 },
  { cause: 'unknown.node-lost', namespace: 'data', name: 'kafka-connect', replicas: 1 },
  { cause: 'terminating.finalizer', namespace: 'batch', name: 'reindex', replicas: 1 },
];

export const DEMO_HEALTHY: readonly { namespace: string; name: string; replicas: number }[] = [
  { namespace: 'shop', name: 'storefront', replicas: 3 },
  { namespace: 'payments', name: 'payments-api', replicas: 2 },
  { namespace: 'data', name: 'postgres-proxy', replicas: 2 },
  { namespace: 'batch', name: 'scheduler', replicas: 1 },
];

export function seedDemoCluster(sim: ClusterSimulator): PlantedWorkload[] {
  for (let n = sim.nodes().length; n < 4; n++) sim.addNode({});
  for (const h of DEMO_HEALTHY) sim.deployHealthy(h);
  return DEMO_WORKLOADS.map((d) => sim.breakWorkload(d.cause, { namespace: d.namespace, name: d.name, replicas: d.replicas }));
}
