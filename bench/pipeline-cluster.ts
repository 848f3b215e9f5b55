/**
 * The simulated cluster of `npm run bench:pipeline`: a large healthy cluster built with the scenario kit
 * (`populate`), served by the fake API server, plus a burst of failing workloads that is written into it
 * at once on demand (`burst()`), recording when each failing Pod was written.
 *
 * Why the burst is staged: the kit's breakWorkload re-renders every Pod it tracks on each call, so planting
 * 50 workloads into a 10,000-Pod cluster takes tens of seconds, spread out, which is no burst. Instead each
 * broken workload is built by the kit in a simulator of its own (same 500 node names, so nodeName, hostIP and
 * the node's zone agree with the live cluster) before the agent starts, and at t0 its objects (Deployment,
 * ReplicaSet, Pods, their events and logs) are created in the live store as fast as the store takes them,
 * yielding between workloads so the server streams the watch events as a real API server would. The Pods
 * the informer sees are exactly what the kit builds for each cause (reasons, messages and exit codes with
 * their upstream sources in src/sim/kit/causes/ and plans.ts).
 *
 * Clock: real time everywhere (store, kit, agent), so a child process and the agent agree on "now".
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { podCandidate, type StabilizationWindows } from '../src/cluster/candidates.ts';
import type { Pod } from '../src/contract/k8s.ts';
import type { CauseId } from '../src/contract/scenarios.ts';
import { startFakeApiServer, type FakeApiServer } from '../src/sim/api-server.ts';
import { createClusterSimulator, type PopulateResult } from '../src/sim/kit/cluster-simulator.ts';
import { RESOURCES } from '../src/sim/resources.ts';
import { ObjectStore, type KubeObject } from '../src/sim/store.ts';
import { tallyRequests, type RequestCounts } from './cluster-seed.ts';

/**
 * Pod-level causes whose Pods fail on their node from the start (category 'failing' in the kit) and touch
 * no other workload (no node pressure, taints or lost nodes), in rotation over the burst's workloads.
 * Their candidate hints cover the three kinds of stabilization: none (crash, oom, init, not-ready with an
 * old transition), image-pull (window counted from the first sighting) and config.
 */
export const BURST_CAUSES: readonly CauseId[] = [
  'container-exit.immediate',
  'container-exit.after-running',
  'oom.container-limit',
  'image-pull.not-found',
  'dependency.configmap',
  'readiness-probe.failed',
  'liveness-probe.failed',
  'container-create.bad-command',
  'init.failed',
  'hook.post-start',
];

export interface PipelineClusterOptions {
  /** Pods in the cluster once the burst is written (healthy + failing). */
  pods: number;
  nodes: number;
  /** Broken workloads in the burst and failing Pods in each. */
  burstWorkloads: number;
  podsPerBurstWorkload: number;
  /** Replicas of each healthy Deployment (default 20). */
  podsPerDeployment?: number;
  /** Pods per namespace, on average (default 200). */
  podsPerNamespace?: number;
  /** The agent's stabilization windows: each Pod's window end is computed with them. */
  windows: StabilizationWindows;
  causes?: readonly CauseId[];
  /** Serve over HTTPS (default true, as a real cluster). */
  tls?: boolean;
  kubeconfigPath: string;
}

export interface BurstWorkload {
  namespace: string;
  name: string;
  cause: CauseId;
  pods: number;
}

export interface ClusterSummary {
  healthyPods: number;
  burstPods: number;
  nodes: number;
  namespaces: number;
  healthyDeployments: number;
  burstWorkloads: BurstWorkload[];
  populateMs: number;
  stageMs: number;
}

/** One failing Pod of the burst: when its failing state was written and when its stabilization window ends. */
export interface BurstPod {
  uid: string;
  namespace: string;
  name: string;
  workload: string;
  cause: CauseId;
  /** The candidate hint the agent's cheap predicate gives the Pod as written (null: none, a bug). */
  hint: string | null;
  /** Date.now() when the store wrote the Pod (its ADDED watch event carries this state). */
  writtenAt: number;
  /** max(writtenAt, the candidate's dueAtMs computed at writtenAt): the earliest the agent may act. */
  windowEndsAt: number;
}

export interface BurstResult {
  startedAt: number;
  finishedAt: number;
  objects: number;
  pods: BurstPod[];
}

export interface PipelineCluster {
  server: FakeApiServer;
  kubeconfigPath: string;
  summary: ClusterSummary;
  /** Writes the staged burst into the live store (once). */
  burst(): Promise<BurstResult>;
  requestCounts(): RequestCounts;
  close(): Promise<void>;
}

interface StagedWorkload extends BurstWorkload {
  /** Objects in creation order: owners before dependents, each Pod followed by its events. */
  objects: { resource: string; object: KubeObject }[];
  logs: { namespace: string; pod: string; container: string; current: string[]; previous: string[] }[];
}

/** Resources the burst copies; nodes and namespaces exist in the live cluster already. */
const OWNER_FIRST = ['resourcequotas', 'persistentvolumeclaims', 'deployments', 'statefulsets', 'daemonsets', 'cronjobs', 'jobs', 'replicasets'];

export async function startPipelineCluster(options: PipelineClusterOptions): Promise<PipelineCluster> {
  const causes = options.causes ?? BURST_CAUSES;
  const burstPods = options.burstWorkloads * options.podsPerBurstWorkload;
  const perDeployment = options.podsPerDeployment ?? 20;
  const healthyDeployments = Math.max(0, Math.floor((options.pods - burstPods) / perDeployment));
  const namespaceCount = Math.max(1, Math.round(options.pods / (options.podsPerNamespace ?? 200)));

  const store = new ObjectStore();
  const sim = createClusterSimulator({ store, now: () => new Date(), nodes: 0, seed: 1 });
  const populated: PopulateResult = sim.populate({ namespaces: namespaceCount, deployments: healthyDeployments, podsPerDeployment: perDeployment, nodes: options.nodes });

  const stageStarted = performance.now();
  const staged: StagedWorkload[] = [];
  for (let i = 0; i < options.burstWorkloads; i++) {
    const cause = causes[i % causes.length] as CauseId;
    const namespace = populated.namespaces[i % populated.namespaces.length] as string;
    staged.push(stageWorkload({ cause, namespace, name: `burst-${i + 1}`, replicas: options.podsPerBurstWorkload, nodes: options.nodes, seed: 10_000 + i }));
  }
  const stageMs = Math.round(performance.now() - stageStarted);
  assertUniqueUids(store, staged);

  const server = await startFakeApiServer({ store, tls: options.tls ?? true });
  server.writeKubeconfig(options.kubeconfigPath);

  let burstDone: Promise<BurstResult> | undefined;
  const burst = async (): Promise<BurstResult> => {
    const startedAt = Date.now();
    const pods: BurstPod[] = [];
    let objects = 0;
    for (const w of staged) {
      for (const { resource, object } of w.objects) {
        const written = store.create(object, { resource });
        objects += 1;
        if (resource !== 'pods') continue;
        const writtenAt = Date.now();
        const pod = written as unknown as Pod;
        const candidate = podCandidate(pod, writtenAt, options.windows);
        pods.push({
          uid: pod.metadata.uid ?? '',
          namespace: w.namespace,
          name: pod.metadata.name,
          workload: w.name,
          cause: w.cause,
          hint: candidate?.hint ?? null,
          writtenAt,
          windowEndsAt: Math.max(writtenAt, candidate?.dueAtMs ?? writtenAt),
        });
      }
      for (const l of w.logs) store.setLogs(l.namespace, l.pod, l.container, { current: l.current, previous: l.previous });
      // Let the server write this workload's watch events out before the next one, as concurrent writers would.
      await nextTurn();
    }
    return { startedAt, finishedAt: Date.now(), objects, pods };
  };

  return {
    server,
    kubeconfigPath: options.kubeconfigPath,
    summary: {
      healthyPods: populated.pods,
      burstPods,
      nodes: populated.nodes,
      namespaces: populated.namespaces.length,
      healthyDeployments,
      burstWorkloads: staged.map(({ namespace, name, cause, pods }) => ({ namespace, name, cause, pods })),
      populateMs: populated.elapsedMs,
      stageMs,
    },
    burst: () => (burstDone ??= burst()),
    requestCounts: () => tallyRequests(server.requests),
    close: () => server.close(),
  };
}

/** Builds one broken workload with the kit in a simulator of its own, and keeps what it wrote. */
function stageWorkload(o: { cause: CauseId; namespace: string; name: string; replicas: number; nodes: number; seed: number }): StagedWorkload {
  const store = new ObjectStore();
  const sim = createClusterSimulator({ store, now: () => new Date(), nodes: o.nodes, seed: o.seed });
  sim.breakWorkload(o.cause, { namespace: o.namespace, name: o.name, replicas: o.replicas });
  const objects: StagedWorkload['objects'] = [];
  const strip = (object: KubeObject): KubeObject => {
    const copy = structuredClone(object);
    delete copy.metadata.resourceVersion;
    return copy;
  };
  const known = new Set([...OWNER_FIRST, 'pods', 'events', 'nodes', 'namespaces']);
  const others = RESOURCES.map((r) => r.resource).filter((r) => !known.has(r));
  for (const resource of [...OWNER_FIRST, ...others]) {
    for (const object of store.list(resource).items) objects.push({ resource, object: strip(object) });
  }
  const events = store.list('events').items;
  const byInvolved = new Map<string, KubeObject[]>();
  for (const event of events) {
    const uid = String((event['involvedObject'] as { uid?: string } | undefined)?.uid ?? '');
    byInvolved.set(uid, [...(byInvolved.get(uid) ?? []), event]);
  }
  const logs: StagedWorkload['logs'] = [];
  const pods = store.list('pods').items;
  for (const object of pods) {
    objects.push({ resource: 'pods', object: strip(object) });
    for (const event of byInvolved.get(String(object.metadata.uid)) ?? []) objects.push({ resource: 'events', object: strip(event) });
    byInvolved.delete(String(object.metadata.uid));
    const pod = object as unknown as Pod;
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const found = store.getLogs(o.namespace, pod.metadata.name, container.name);
      if (found.current.length > 0 || found.previous.length > 0) logs.push({ namespace: o.namespace, pod: pod.metadata.name, container: container.name, ...found });
    }
  }
  // Events about the workload itself (ScalingReplicaSet) and anything else that is not about a node.
  for (const [, rest] of byInvolved) {
    for (const event of rest) {
      if ((event['involvedObject'] as { kind?: string } | undefined)?.kind === 'Node') continue;
      objects.push({ resource: 'events', object: strip(event) });
    }
  }
  return { namespace: o.namespace, name: o.name, cause: o.cause, pods: pods.length, objects, logs };
}

/** Seeded simulators must not have handed out a uid twice: the burst would then overwrite nothing but confuse everything. */
function assertUniqueUids(store: ObjectStore, staged: StagedWorkload[]): void {
  const seen = new Set<string>();
  for (const r of RESOURCES) for (const o of store.list(r.resource).items) seen.add(String(o.metadata.uid));
  for (const w of staged) {
    for (const { object } of w.objects) {
      const uid = String(object.metadata.uid);
      if (seen.has(uid)) throw new Error(`bench: uid ${uid} of ${w.namespace}/${String(object.metadata.name)} is not unique`);
      seen.add(uid);
    }
  }
}
