import { describe, expect, it } from 'vitest';
import { buildSnapshots, classifyObjects } from '../../src/cluster/snapshot.ts';
import type { Node, Pod, Workload } from '../../src/contract/k8s.ts';
import { ALL_CAUSE_IDS, SCENARIO_IDS, type CauseId } from '../../src/contract/scenarios.ts';
import type { ContainerLogTail, PodSnapshot, Snapshot } from '../../src/contract/snapshot.ts';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { CAUSES } from '../../src/sim/kit/causes/index.ts';
import { createSimClock } from '../../src/sim/kit/clock.ts';
import { createClusterSimulator, type ClusterSimulator } from '../../src/sim/kit/cluster-simulator.ts';
import { ObjectStore, type StoreChange } from '../../src/sim/store.ts';

const T0 = '2026-11-20T12:00:00Z';

function newCluster(nodes = 3): { sim: ClusterSimulator; store: ObjectStore } {
  const clock = createSimClock(T0);
  const store = new ObjectStore({ now: clock.now });
  return { sim: createClusterSimulator({ store, now: clock.now, nodes }), store };
}

/** What the collector would hand the engine: every object of the store, plus the containers' log tails. */
function snapshotsOf(store: ObjectStore, observedAt: Date): Snapshot[] {
  const resources = ['pods', 'events', 'nodes', 'replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'resourcequotas', 'persistentvolumeclaims'];
  const set = classifyObjects(resources.flatMap((r) => store.list(r).items));
  const logs = new Map<string, ContainerLogTail[]>();
  for (const pod of set.pods) {
    const tails: ContainerLogTail[] = [];
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const l = store.getLogs(pod.metadata.namespace ?? '', pod.metadata.name, c.name);
      if (l.previous.length > 0) tails.push({ container: c.name, previous: true, lines: l.previous });
      if (l.current.length > 0) tails.push({ container: c.name, previous: false, lines: l.current });
    }
    if (pod.metadata.uid) logs.set(pod.metadata.uid, tails);
  }
  return buildSnapshots(set, observedAt.toISOString().replace('.000Z', 'Z'), { logs });
}

function diagnosesOf(sim: ClusterSimulator, store: ObjectStore) {
  return diagnoseAll(snapshotsOf(store, sim.now())).map((d) => ({ namespace: d.subject.namespace, kind: d.subject.kind, name: d.subject.name, cause: d.cause }));
}

function pods(store: ObjectStore, namespace?: string): Pod[] {
  return store.list('pods', namespace ? { namespace } : {}).items as unknown as Pod[];
}

function node(store: ObjectStore, name: string): Node {
  return store.get('nodes', undefined, name) as unknown as Node;
}

describe('CAUSES', () => {
  it('has one recipe per cause id, filed under that id', () => {
    const entries = Object.entries(CAUSES);

    expect(entries.map(([id]) => id)).toEqual(ALL_CAUSE_IDS);
    expect(entries.filter(([id, recipe]) => recipe.cause !== id)).toEqual([]);
  });
});

describe('breakWorkload', () => {
  it('plants every cause side by side in one cluster without one disturbing another', () => {
    const { sim, store } = newCluster();
    // What the scheduler says about a pending Pod depends on every node (the node-loss and pressure causes
    // taint theirs), so the unschedulable causes are checked on their own clusters.
    const causes = ALL_CAUSE_IDS.filter((c) => !c.startsWith('unschedulable.'));

    const planted = causes.map((cause, i) => sim.breakWorkload(cause, { namespace: `ns-${i}`, name: 'app', replicas: 1 }));
    const diagnoses = diagnosesOf(sim, store);

    expect(planted.map((p) => p.causeId)).toEqual(causes);
    const byNamespace = new Map<string, string[]>();
    for (const d of diagnoses) byNamespace.set(d.namespace, [...new Set([...(byNamespace.get(d.namespace) ?? []), d.cause])]);
    expect(causes.map((_, i) => byNamespace.get(`ns-${i}`))).toEqual(causes.map((c) => [c]));
  });

  it.each(ALL_CAUSE_IDS)('plants %s: the engine diagnoses exactly that cause, and nothing for the healthy neighbour', (cause) => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'storefront', replicas: 2 });

    sim.breakWorkload(cause, { namespace: 'team', name: 'app', replicas: 2 });
    const diagnoses = diagnosesOf(sim, store);

    const owned = sim.ownedBy('team', 'app');
    expect(diagnoses.length).toBeGreaterThan(0);
    expect(diagnoses.filter((d) => d.namespace !== 'team')).toEqual([]);
    expect(diagnoses.filter((d) => d.cause !== cause)).toEqual([]);
    for (const d of diagnoses) expect([...owned.pods, ...owned.replicaSets]).toContain(d.name);
  });

  // Detector issue (reported to the lead): the unschedulable detector ranks causes by the scheduler's
  // per-node reasons only, and the scheduler reports just the first failing filter (a node's readiness taint
  // comes before its labels). With 2 of 3 nodes lost, no-ready-nodes "covers" 2 nodes and wins, although no
  // node, lost or not, has the label the Pod selects: fixing the nodes frees none, fixing the selector frees all.
  it('keeps node-selector primary when the selector matches no node even though other nodes are lost', () => {
    const { sim, store } = newCluster();
    sim.loseNode('worker-2');
    sim.loseNode('worker-3');

    sim.breakWorkload('unschedulable.node-selector', { namespace: 'team', name: 'indexer', replicas: 1 });

    expect(diagnosesOf(sim, store).map((d) => d.cause)).toEqual(['unschedulable.node-selector']);
  });

  it('leaves no Pod for admission rejections: the ReplicaSet carries FailedCreate', () => {
    const { sim, store } = newCluster();

    sim.breakWorkload('unschedulable.quota-exceeded', { namespace: 'team', name: 'web', replicas: 3 });

    const events = store.list('events', { namespace: 'team' }).items as unknown as { reason: string; message: string; involvedObject: { kind: string }; count: number }[];
    const failedCreate = events.find((e) => e.reason === 'FailedCreate');
    expect(pods(store, 'team')).toEqual([]);
    expect(failedCreate).toMatchObject({ involvedObject: { kind: 'ReplicaSet' } });
    expect(failedCreate?.message).toMatch(/^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute-quota, requested: requests\.cpu=500m, used: requests\.cpu=0, limited: requests\.cpu=250m$/);
    expect(failedCreate?.count).toBeGreaterThan(1);
  });

  it('writes previous-instance logs for crash loops', () => {
    const { sim, store } = newCluster();

    sim.breakWorkload('container-exit.after-running', { namespace: 'team', name: 'notifier', replicas: 1 });

    const pod = pods(store, 'team')[0] as Pod;
    expect(store.getLogs('team', pod.metadata.name, 'notifier').previous).toContain('panic: runtime error: invalid memory address or nil pointer dereference');
  });
});

describe('advance', () => {
  it('restarts a crash loop with back-off doubling from 10 s to a 300 s cap', () => {
    const { sim, store } = newCluster();
    sim.breakWorkload('container-exit.immediate', { namespace: 'team', name: 'worker', replicas: 1, startedSecondsAgo: 0 });

    sim.advance(3600);

    // The container starts 2 s after creation and exits 2 s later; the first restart follows the exit at once
    // (no back-off entry yet), the next ones wait 10, 20, 40, 80, 160, then 300 s, each noticed 1 s later (PLEG).
    // Starts at 2, 5, 18, 41, 84, 167, 330, 633, then every 303 s: the 17th start is at 3360 s, its exit at 3362 s.
    const pod = pods(store, 'team')[0] as Pod;
    const status = pod.status?.containerStatuses?.[0];
    expect(status?.restartCount).toBe(16);
    expect(status?.state?.waiting?.message).toBe(`back-off 5m0s restarting failed container=worker pod=${pod.metadata.name}_team(${pod.metadata.uid})`);
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error', startedAt: '2026-11-20T12:56:00Z', finishedAt: '2026-11-20T12:56:02Z' });
  });

  it('emits MODIFIED changes with new resourceVersions while the diagnosis stays the same', () => {
    const { sim, store } = newCluster();
    sim.breakWorkload('container-exit.immediate', { namespace: 'team', name: 'worker', replicas: 1 });
    const podName = (pods(store, 'team')[0] as Pod).metadata.name;
    const changes: StoreChange[] = [];
    store.subscribe((c) => {
      if (c.type === 'MODIFIED') changes.push(c);
    });
    const backOffBefore = (store.list('events', { namespace: 'team' }).items as unknown as { reason: string; count: number }[]).find((e) => e.reason === 'BackOff')?.count ?? 0;
    const causes: string[] = [];
    const restarts: number[] = [];

    for (let i = 0; i < 6; i++) {
      sim.advance(300);
      causes.push(...new Set(diagnosesOf(sim, store).map((d) => d.cause)));
      restarts.push((pods(store, 'team')[0] as Pod).status?.containerStatuses?.[0]?.restartCount ?? -1);
    }

    const podChanges = changes.filter((c) => c.resource === 'pods' && c.object.metadata.name === podName);
    const versions = podChanges.map((c) => c.resourceVersion);
    const backOffAfter = (store.list('events', { namespace: 'team' }).items as unknown as { reason: string; count: number }[]).find((e) => e.reason === 'BackOff')?.count ?? 0;
    expect(causes).toEqual(Array(6).fill('container-exit.immediate'));
    expect(restarts).toEqual([...restarts].sort((a, b) => a - b));
    expect((restarts.at(-1) ?? 0) - (restarts[0] ?? 0)).toBe(5);
    expect(podChanges.length).toBeGreaterThanOrEqual(6);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(changes.some((c) => c.resource === 'events')).toBe(true);
    expect(backOffAfter).toBeGreaterThan(backOffBefore);
  });

  // Detector issue (reported to the lead): for the ~31 s of every cycle between the kubelet's Killing of the
  // running instance (third probe failure) and its SIGKILL exit, the aggregated Killing event's lastTimestamp is
  // newer than the previous termination, probeKillFor decides "the kills on record belong to other instances",
  // and the Pod is diagnosed container-exit.after-running.
  it('keeps a liveness kill loop diagnosed as liveness-probe through a whole restart cycle', () => {
    const { sim, store } = newCluster();
    sim.breakWorkload('liveness-probe.failed', { namespace: 'team', name: 'web', replicas: 1 });
    const causes = new Set<string>();

    for (let i = 0; i < 40; i++) {
      sim.advance(10);
      for (const d of diagnosesOf(sim, store)) causes.add(d.cause);
    }

    expect([...causes]).toEqual(['liveness-probe.failed']);
  });

  it('bumps FailedScheduling and image pull counts', () => {
    const { sim, store } = newCluster();
    sim.breakWorkload('unschedulable.node-selector', { namespace: 'team', name: 'indexer', replicas: 1 });
    sim.breakWorkload('image-pull.not-found', { namespace: 'team', name: 'web', replicas: 1 });
    const count = (reason: string, message?: RegExp) => {
      const e = (store.list('events', { namespace: 'team' }).items as unknown as { reason: string; message: string; count?: number; series?: { count: number } }[])
        .find((x) => x.reason === reason && (!message || message.test(x.message)));
      return e?.series?.count ?? e?.count ?? 0;
    };
    const scheduling = count('FailedScheduling');
    const pulls = count('Failed', /^Failed to pull image/);

    sim.advance(1800);

    expect(count('FailedScheduling')).toBe(scheduling + 6);
    expect(count('Failed', /^Failed to pull image/)).toBe(pulls + 6);
  });
});

describe('loseNode', () => {
  it('marks the node Unknown with the unreachable taints and its Pods as node-lost', () => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 3 });
    const victim = (pods(store, 'shop')[0] as Pod).spec.nodeName ?? '';
    const onVictim = pods(store, 'shop').filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);

    sim.loseNode(victim);
    sim.advance(90);

    const lost = node(store, victim);
    expect(lost.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
      ['DiskPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
      ['PIDPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
      ['Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
    ]);
    expect(lost.spec?.taints).toEqual([
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: T0 },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T0 },
    ]);
    const victimPod = pods(store, 'shop').find((p) => p.metadata.name === onVictim[0]);
    expect(victimPod?.status?.conditions?.find((c) => c.type === 'Ready')).toEqual({ type: 'Ready', status: 'False', lastTransitionTime: T0 });
    expect(diagnosesOf(sim, store)).toEqual(onVictim.map((name) => ({ namespace: 'shop', kind: 'Pod', name, cause: 'unknown.node-lost' })));
  });

  it('lets the taint manager evict after 300 s: the Pod is stuck Terminating, a replacement runs elsewhere, and restoreNode clears it', () => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 3 });
    const victim = (pods(store, 'shop')[0] as Pod).spec.nodeName ?? '';
    const onVictim = pods(store, 'shop').filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);

    sim.loseNode(victim);
    sim.advance(420);
    const stuck = diagnosesOf(sim, store);
    const running = pods(store, 'shop').filter((p) => !p.metadata.deletionTimestamp);
    sim.restoreNode(victim);

    expect(stuck).toEqual(onVictim.map((name) => ({ namespace: 'shop', kind: 'Pod', name, cause: 'terminating.node-lost' })));
    expect(running).toHaveLength(3);
    expect(running.every((p) => p.spec.nodeName !== victim)).toBe(true);
    expect(pods(store, 'shop').map((p) => p.metadata.name)).not.toContain(onVictim[0]);
    expect(diagnosesOf(sim, store)).toEqual([]);
  });
});

describe('rollout', () => {
  it('creates revision 2, scales the old ReplicaSet down, and the snapshot names the image change', () => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 2, image: 'registry.example.com/shop/web:1.4.2' });

    sim.rollout('shop', 'web', 'registry.example.com/shop/web:1.5.0');
    sim.advance(5);

    const replicaSets = (store.list('replicasets', { namespace: 'shop' }).items as unknown as Workload[]).map((rs) => ({
      revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
      replicas: rs.spec?.replicas,
    }));
    expect(replicaSets.sort((a, b) => String(a.revision).localeCompare(String(b.revision)))).toEqual([{ revision: '1', replicas: 0 }, { revision: '2', replicas: 2 }]);
    const snapshot = snapshotsOf(store, sim.now()).find((s): s is PodSnapshot => s.kind === 'Pod');
    expect(snapshot?.rollout).toMatchObject({ workload: 'Deployment/web', revision: '2', change: 'image web: registry.example.com/shop/web:1.4.2 → registry.example.com/shop/web:1.5.0' });
    expect(pods(store, 'shop')).toHaveLength(2);
    expect(diagnosesOf(sim, store)).toEqual([]);
  });

  it('with breakAs, stalls at maxSurge with failing new Pods while the old ones keep running', () => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 4, image: 'registry.example.com/shop/web:1.4.2' });

    sim.rollout('shop', 'web', 'registry.example.com/shop/web:1.5.0', { breakAs: 'container-exit.immediate' });
    sim.advance(600);

    const diagnoses = diagnoseAll(snapshotsOf(store, sim.now()));
    expect(diagnoses.map((d) => d.cause)).toEqual(['container-exit.immediate']);
    expect(diagnoses[0]?.evidence.find((e) => e.kind === 'change')).toMatchObject({ detail: expect.stringContaining('rolled out revision 2') });
    const active = pods(store, 'shop').filter((p) => !p.metadata.deletionTimestamp);
    expect(active.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toHaveLength(3);
  });
});

describe('recover', () => {
  it.each(ALL_CAUSE_IDS)('brings %s back to Running and Ready Pods with no diagnosis', (cause) => {
    const { sim, store } = newCluster();
    sim.breakWorkload(cause, { namespace: 'team', name: 'app', replicas: 2 });

    sim.recover('team', 'app');
    sim.advance(30);

    const active = pods(store, 'team').filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed');
    expect(diagnosesOf(sim, store)).toEqual([]);
    expect(active).toHaveLength(2);
    expect(active.every((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(true);
  });
});

describe('deletePod', () => {
  it('terminates gracefully and the ReplicaSet replaces the Pod', () => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 2 });
    const victim = (pods(store, 'shop')[0] as Pod).metadata.name;

    sim.deletePod('shop', victim);
    const terminating = pods(store, 'shop').find((p) => p.metadata.name === victim);
    sim.advance(5);

    expect(terminating?.metadata).toMatchObject({ deletionTimestamp: '2026-11-20T12:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(pods(store, 'shop').map((p) => p.metadata.name)).not.toContain(victim);
    expect(pods(store, 'shop')).toHaveLength(2);
  });

  it('forceDeletePod removes the Pod at once', () => {
    const { sim, store } = newCluster();
    sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 1 });
    const victim = (pods(store, 'shop')[0] as Pod).metadata.name;

    sim.forceDeletePod('shop', victim);

    expect(pods(store, 'shop').map((p) => p.metadata.name)).not.toContain(victim);
    expect(pods(store, 'shop')).toHaveLength(1);
  });
});

describe('addNode', () => {
  it('reports the kubelet conditions with their real reasons', () => {
    const { sim } = newCluster(0);

    const added = sim.addNode({ name: 'gpu-1', cpu: 8, memory: '32Gi', labels: { pool: 'gpu' }, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] });

    expect(added.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    expect(added.status?.capacity).toMatchObject({ cpu: '8', pods: '110' });
    expect(added.metadata.labels).toMatchObject({ pool: 'gpu', 'kubernetes.io/hostname': 'gpu-1' });
    expect(added.spec?.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
  });
});

describe('seedDemo', () => {
  it('plants one broken workload per scenario, each diagnosed as planted', () => {
    const { sim, store } = newCluster();

    const planted = sim.seedDemo();
    const diagnoses = diagnosesOf(sim, store);

    expect(planted.map((p) => p.causeId?.split('.')[0])).toEqual(SCENARIO_IDS);
    for (const p of planted) {
      const owned = sim.ownedBy(p.namespace, p.workload);
      const mine = diagnoses.filter((d) => d.namespace === p.namespace && [...owned.pods, ...owned.replicaSets].includes(d.name));
      expect({ workload: p.workload, causes: [...new Set(mine.map((d) => d.cause))] }).toEqual({ workload: p.workload, causes: [p.causeId as CauseId] });
    }
    const plantedObjects = planted.flatMap((p) => {
      const owned = sim.ownedBy(p.namespace, p.workload);
      return [...owned.pods, ...owned.replicaSets].map((name) => `${p.namespace}/${name}`);
    });
    expect(diagnoses.filter((d) => !plantedObjects.includes(`${d.namespace}/${d.name}`))).toEqual([]);
  });
});

describe('populate', () => {
  it('creates 10,000 healthy Pods on 500 nodes quickly', () => {
    const { sim, store } = newCluster(0);

    const started = performance.now();
    const result = sim.populate({ namespaces: 20, deployments: 1000, podsPerDeployment: 10, nodes: 500 });
    const elapsed = performance.now() - started;
    console.log(`populate: ${result.pods} pods, ${result.deployments} deployments, ${result.nodes} nodes in ${Math.round(elapsed)} ms`);

    expect(result).toMatchObject({ pods: 10_000, deployments: 1000, nodes: 500 });
    expect(store.list('pods').items).toHaveLength(10_000);
    expect(new Set(pods(store).map((p) => p.spec.nodeName)).size).toBe(500);
  });
});
