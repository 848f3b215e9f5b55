import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertSource, type ClusterChange, type ClusterView } from '../../src/cluster/alert-source.ts';
import { windowsFrom } from '../../src/cluster/candidates.ts';
import type { Node, Pod, Workload } from '../../src/contract/k8s.ts';
import { createLogger } from '../../src/log.ts';
import { createAgentMetrics } from '../../src/metrics.ts';
import { InProcessDiagnosisQueue } from '../../src/queue/in-process.ts';
import { waitFor } from '../agent/support.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

/** The cache as the watch side sees it: Pods by uid, and the listener informers would call. */
class PodView implements ClusterView {
  readonly byUid = new Map<string, Pod>();
  #listener: ((change: ClusterChange) => void) | undefined;

  onChange(listener: (change: ClusterChange) => void): () => void {
    this.#listener = listener;
    return () => {
      this.#listener = undefined;
    };
  }

  update(pod: Pod): void {
    this.byUid.set(pod.metadata.uid ?? '', pod);
    this.#listener?.({ resource: 'pods', type: 'update', object: pod });
  }

  pod(uid: string): Pod | undefined {
    return this.byUid.get(uid);
  }
  node(): Node | undefined {
    return undefined;
  }
  podsOnNode(): Pod[] {
    return [];
  }
  workload(): Workload | undefined {
    return undefined;
  }
  pods(): Pod[] {
    return [...this.byUid.values()];
  }
  nodes(): Node[] {
    return [];
  }
}

/** A Pod whose only container waits in `reason` (kubelet's waiting reasons, see below). */
function waitingPod(uid: string, reason: string, lastState?: NonNullable<Pod['status']>['containerStatuses']): Pod {
  const last = lastState?.[0]?.lastState;
  return {
    metadata: { name: `web-${uid}`, namespace: 'shop', uid, creationTimestamp: ago(600) },
    spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'registry.example/web:1.4' }] },
    status: {
      phase: reason === 'CrashLoopBackOff' ? 'Running' : 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(590) },
        { type: 'Ready', status: 'False', lastTransitionTime: ago(500) },
      ],
      containerStatuses: [{ name: 'web', ready: false, restartCount: last ? 4 : 0, state: { waiting: { reason } }, ...(last ? { lastState: last } : {}) }],
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

/** The watch side alone, producing into a real in-process queue that has no workers (jobs stay waiting). */
async function startSource(view: PodView): Promise<InProcessDiagnosisQueue> {
  queue = new InProcessDiagnosisQueue({ cluster: 'prod' });
  const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  source = new AlertSource({
    cluster: 'prod',
    view,
    queue,
    recoveries: { podHealthy: async () => undefined, podGone: async () => undefined },
    windows: windowsFrom(60),
    metrics: createAgentMetrics(),
    log: silent,
    now: () => NOW,
    // Far beyond the test: only the hand-on at the end of the turn can queue a job in time.
    tickMs: 60_000,
  });
  source.start();
  return queue;
}

describe('AlertSource', () => {
  it('hands on a failure whose window is already over in the same turn, not at the next tick', async () => {
    const view = new PodView();
    const jobs = await startSource(view);

    // source: kubernetes pkg/kubelet/container/sync_result.go (ErrCrashLoopBackOff = "CrashLoopBackOff");
    // containerd internal/cri/server/helpers.go (errorExitReason = "Error")
    view.update(waitingPod('uid-1', 'CrashLoopBackOff', [{ name: 'web', ready: false, restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5) } } }]));
    view.update(waitingPod('uid-2', 'CrashLoopBackOff', [{ name: 'web', ready: false, restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(8) } } }]));

    await waitFor(async () => (await jobs.counts()).waiting === 2, 'two diagnosis jobs', 2_000);
    expect(source?.stabilizer.pending()).toEqual([]);
  });

  it('keeps a failure inside its stabilization window until the window ends', async () => {
    const view = new PodView();
    const jobs = await startSource(view);

    // source: kubernetes pkg/kubelet/images/types.go (ErrImagePullBackOff = errors.New("ImagePullBackOff"))
    view.update(waitingPod('uid-3', 'ImagePullBackOff'));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect((await jobs.counts()).waiting).toBe(0);
    expect(source?.stabilizer.pending()).toMatchObject([{ hint: 'image-pull', subject: { uid: 'uid-3' } }]);
  });
});
