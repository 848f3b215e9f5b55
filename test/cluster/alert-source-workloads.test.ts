/**
 * The watch side's pod-less and event-only candidates (issue 10, "The alert path too"): a workload that
 * cannot create its Pods (its ReplicaFailure condition or its FailedCreate events), and a terminating Pod
 * whose preStop hook failed. The view is a small in-memory cache; the queue is the real in-process queue.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertSource, type ClusterChange, type ClusterView } from '../../src/cluster/alert-source.ts';
import { windowsFrom } from '../../src/cluster/candidates.ts';
import type { KubeEvent, Node, Pod, Workload } from '../../src/contract/k8s.ts';
import { createLogger } from '../../src/log.ts';
import { createAgentMetrics } from '../../src/metrics.ts';
import { InProcessDiagnosisQueue } from '../../src/queue/in-process.ts';
import type { DiagnoseJob } from '../../src/queue/jobs.ts';
import { sleep, waitFor } from '../agent/support.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();
const later = (seconds: number): string => new Date(NOW + seconds * 1000).toISOString();

class CacheView implements ClusterView {
  readonly podsByUid = new Map<string, Pod>();
  readonly workloadsByUid = new Map<string, Workload>();
  readonly events: KubeEvent[] = [];
  #listener: ((change: ClusterChange) => void) | undefined;

  onChange(listener: (change: ClusterChange) => void): () => void {
    this.#listener = listener;
    return () => {
      this.#listener = undefined;
    };
  }
  putWorkload(workload: Workload, resource: string): void {
    this.workloadsByUid.set(workload.metadata.uid ?? '', workload);
    this.#listener?.({ resource, type: 'update', object: workload });
  }
  putPod(pod: Pod): void {
    this.podsByUid.set(pod.metadata.uid ?? '', pod);
    this.#listener?.({ resource: 'pods', type: 'update', object: pod });
  }
  putEvent(event: KubeEvent): void {
    this.events.push(event);
    this.#listener?.({ resource: 'events', type: 'add', object: event });
  }
  pod(uid: string): Pod | undefined {
    return this.podsByUid.get(uid);
  }
  node(): Node | undefined {
    return undefined;
  }
  podsOnNode(): Pod[] {
    return [];
  }
  workload(uid: string): Workload | undefined {
    return this.workloadsByUid.get(uid);
  }
  workloads(): Workload[] {
    return [...this.workloadsByUid.values()];
  }
  eventsFor(kind: string, namespace: string | undefined, name: string): KubeEvent[] {
    return this.events.filter((e) => e.involvedObject.kind === kind && e.involvedObject.namespace === namespace && e.involvedObject.name === name);
  }
  pods(): Pod[] {
    return [...this.podsByUid.values()];
  }
  nodes(): Node[] {
    return [];
  }
}

// source: kubernetes pkg/controller/controller_utils.go (FailedCreatePodReason "FailedCreate", "Error creating: %v");
// pkg/controller/statefulset/stateful_pod_control.go ("create Pod %s in StatefulSet %s failed error: %s");
// staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go ("exceeded quota: %s, requested: %s, used: %s, limited: %s")
function failedCreate(kind: string, name: string, uid: string, message: string, lastSecondsAgo: number): KubeEvent {
  return {
    metadata: { name: `${name}.1`, namespace: 'shop', uid: `event-${uid}` },
    involvedObject: { kind, namespace: 'shop', name, uid },
    type: 'Warning',
    reason: 'FailedCreate',
    message,
    count: 12,
    firstTimestamp: ago(900),
    lastTimestamp: ago(lastSecondsAgo),
  } as KubeEvent;
}

function replicaSet(uid: string, options: { failing: boolean }): Workload {
  return {
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-7d9c8', namespace: 'shop', uid,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'deploy-1', controller: true }],
    },
    spec: { replicas: 2 },
    status: {
      replicas: options.failing ? 0 : 2,
      // source: kubernetes pkg/controller/replicaset/replica_set_utils.go calculateStatus (ReplicaSetReplicaFailure, reason "FailedCreate")
      conditions: options.failing
        ? [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-7d9c8-" is forbidden: error looking up service account shop/web: serviceaccount "web" not found', lastTransitionTime: ago(300) }]
        : [],
    },
  };
}

let source: AlertSource | undefined;
let queue: InProcessDiagnosisQueue | undefined;

afterEach(async () => {
  source?.stop();
  await queue?.close();
  source = undefined;
  queue = undefined;
});

async function startSource(view: CacheView): Promise<{ jobs: DiagnoseJob[]; healthy: string[] }> {
  const jobs: DiagnoseJob[] = [];
  const healthy: string[] = [];
  queue = new InProcessDiagnosisQueue({ cluster: 'prod' });
  await queue.startWorkers(async (job) => void jobs.push(job));
  const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  source = new AlertSource({
    cluster: 'prod',
    view,
    queue,
    recoveries: { podHealthy: async (uid) => void healthy.push(uid), podGone: async () => undefined },
    windows: windowsFrom(60),
    metrics: createAgentMetrics(),
    log: silent,
    now: () => NOW,
    tickMs: 20,
  });
  source.start();
  return { jobs, healthy };
}

describe('AlertSource: workloads that cannot create their Pods', () => {
  it('hands on a StatefulSet whose FailedCreate was already cached at start (no condition, no Pod, no change)', async () => {
    const view = new CacheView();
    view.workloadsByUid.set('sts-1', { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop', uid: 'sts-1' }, spec: { replicas: 3 }, status: { replicas: 0 } });
    view.events.push(failedCreate('StatefulSet', 'db', 'sts-1', 'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10', 40));
    const { jobs } = await startSource(view);

    await waitFor(() => jobs.length === 1, 'a workload job');
    expect(jobs[0]).toMatchObject({ trigger: 'watch', candidateHint: 'create-failed', subject: { kind: 'Workload', ownerKind: 'StatefulSet', name: 'db', uid: 'sts-1' } });
  });

  it('hands on a StatefulSet whose FailedCreate reaches the cache before the StatefulSet itself, or after it', async () => {
    // Each resource has its own watch stream: the event about a new StatefulSet can arrive first (its owner lookup
    // then fails and the event alone is dropped), so the StatefulSet's own arrival must look at its cached events.
    for (const eventFirst of [true, false]) {
      const view = new CacheView();
      const { jobs } = await startSource(view);
      const statefulSet: Workload = { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop', uid: 'sts-2' }, spec: { replicas: 3 }, status: { replicas: 0 } };
      const event = failedCreate('StatefulSet', 'db', 'sts-2', 'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1', 20);
      if (eventFirst) {
        view.putEvent(event);
        expect(source?.stabilizer.size).toBe(0);
        view.putWorkload(statefulSet, 'statefulsets');
      } else {
        view.putWorkload(statefulSet, 'statefulsets');
        expect(source?.stabilizer.size).toBe(0);
        view.putEvent(event);
      }

      await waitFor(() => jobs.length === 1, `a workload job (${eventFirst ? 'event first' : 'StatefulSet first'})`);
      expect(jobs[0]).toMatchObject({ candidateHint: 'create-failed', subject: { kind: 'Workload', ownerKind: 'StatefulSet', name: 'db', uid: 'sts-2' } });
      source?.stop();
      await queue?.close();
    }
  });

  it('leaves a workload alone whose last FailedCreate is older than the controllers\' longest retry back-off', async () => {
    const view = new CacheView();
    view.workloadsByUid.set('job-1', { kind: 'Job', metadata: { name: 'nightly', namespace: 'shop', uid: 'job-1' }, spec: {}, status: {} });
    view.events.push(failedCreate('Job', 'nightly', 'job-1', 'Error creating: pods "nightly-x" is forbidden: exceeded quota: compute', 3600));
    const { jobs } = await startSource(view);
    await sleep(100);

    expect(jobs).toEqual([]);
    expect(source?.stabilizer.size).toBe(0);
  });

  it('judges a DaemonSet by the nodes it should run on (it has no spec.replicas)', async () => {
    const daemonSet = (uid: string, current: number): Workload => ({
      kind: 'DaemonSet',
      metadata: { name: `agent-${uid}`, namespace: 'shop', uid },
      spec: {},
      status: { desiredNumberScheduled: 3, currentNumberScheduled: current, numberReady: current },
    });
    const view = new CacheView();
    for (const [uid, current] of [['ds-short', 1], ['ds-full', 3]] as const) {
      view.workloadsByUid.set(uid, daemonSet(uid, current));
      // An old failure of the full one (before an exemption was added): it creates its Pods now.
      view.events.push(failedCreate('DaemonSet', `agent-${uid}`, uid, 'Error creating: pods "agent-x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)', 60));
    }
    const { jobs } = await startSource(view);

    await waitFor(() => jobs.length === 1, 'a workload job');
    await sleep(100);
    expect(jobs.map((j) => ('uid' in j.subject ? j.subject.uid : j.subject.kind))).toEqual(['ds-short']);
  });

  it('hands on a ReplicaSet from its ReplicaFailure condition, and reports it healthy once it has its Pods', async () => {
    const view = new CacheView();
    const { jobs, healthy } = await startSource(view);

    view.putWorkload(replicaSet('rs-1', { failing: true }), 'replicasets');
    await waitFor(() => jobs.length === 1, 'a workload job');
    expect(jobs[0]).toMatchObject({ subject: { kind: 'Workload', ownerKind: 'ReplicaSet', uid: 'rs-1' } });

    view.putWorkload(replicaSet('rs-1', { failing: false }), 'replicasets');
    await waitFor(() => healthy.length === 1, 'the recovery');
    expect(healthy).toEqual(['rs-1']);
    expect(source?.stabilizer.has('Workload', 'rs-1')).toBe(false);
  });

  it('ignores a Deployment\'s copy of the condition: its ReplicaSet is the subject', async () => {
    const view = new CacheView();
    const { jobs } = await startSource(view);
    const deployment = { ...replicaSet('deploy-1', { failing: true }), kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'deploy-1' } };

    view.putWorkload(deployment, 'deployments');
    await sleep(100);

    expect(jobs).toEqual([]);
  });
});

describe('AlertSource: preStop hook failures', () => {
  // The Pod was deleted 15 s ago with a 60 s grace period: its deletionTimestamp is 45 s ahead, so the
  // overdue-termination candidate is far from due.
  const terminating: Pod = {
    metadata: { name: 'web-1', namespace: 'shop', uid: 'pod-1', creationTimestamp: ago(7200), deletionTimestamp: later(45), deletionGracePeriodSeconds: 60 },
    spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'registry.example/web:1.4' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: ago(14) }] },
  };

  it('waits for the overdue window while no hook failed', async () => {
    const view = new CacheView();
    const { jobs } = await startSource(view);

    view.putPod(terminating);
    await sleep(100);

    expect(jobs).toEqual([]);
    expect(source?.stabilizer.pending()).toMatchObject([{ hint: 'terminating' }]);
  });

  it('hands the Pod on at once when the kubelet reports FailedPreStopHook', async () => {
    const view = new CacheView();
    const { jobs } = await startSource(view);
    view.putPod(terminating);

    // source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (executePreStopHook, events.FailedPreStopHook);
    // pkg/kubelet/lifecycle/handlers.go ("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %v, message: %q")
    view.putEvent({
      metadata: { name: 'web-1.2', namespace: 'shop', uid: 'event-2' },
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'pod-1' },
      type: 'Warning',
      reason: 'FailedPreStopHook',
      message: 'Exec lifecycle hook ([/bin/drain]) for Container "web" in Pod "web-1_shop(pod-1)" failed - error: command \'/bin/drain\' exited with 1: , message: ""',
      firstTimestamp: ago(14),
      lastTimestamp: ago(14),
    } as KubeEvent);

    await waitFor(() => jobs.length === 1, 'a Pod job');
    expect(jobs[0]).toMatchObject({ candidateHint: 'pre-stop', subject: { kind: 'Pod', uid: 'pod-1' } });
  });
});
