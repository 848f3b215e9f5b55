import { describe, expect, it } from 'vitest';
import { isPodHealthy, nodeCandidate, podCandidate, windowsFrom } from '../../src/cluster/candidates.ts';
import type { ContainerStatus, Pod } from '../../src/contract/k8s.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const windows = windowsFrom(60);
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace('.000Z', 'Z');

function pod(status: Pod['status'], extra: Partial<Pod['metadata']> = {}, restartPolicy?: string): Pod {
  return {
    metadata: { name: 'web-1', namespace: 'shop', uid: 'uid-1', creationTimestamp: ago(600), ...extra },
    spec: { containers: [{ name: 'web' }], restartPolicy },
    status,
  };
}

const scheduled = { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(300) };
function running(containers: ContainerStatus[], ready: boolean, readySince = 300): Pod {
  return pod({ phase: 'Running', conditions: [scheduled, { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ago(readySince) }], containerStatuses: containers });
}

// Waiting/terminated reasons below are kubelet's: ImagePullBackOff, ErrImagePull (pkg/kubelet/images/types.go),
// CrashLoopBackOff (pkg/kubelet/container/sync_result.go), CreateContainerConfigError
// (pkg/kubelet/kuberuntime/kuberuntime_container.go), OOMKilled (containerd/CRI-O terminated reason).
describe('podCandidate', () => {
  it('stays silent on a Ready Pod, a Succeeded Pod and a just-created Pending Pod', () => {
    expect(podCandidate(running([{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }], true), NOW, windows)).toBeNull();
    expect(podCandidate(pod({ phase: 'Succeeded' }), NOW, windows)).toBeNull();
    expect(podCandidate(pod({ phase: 'Pending' }), NOW, windows)).toBeNull();
  });

  it('holds an unschedulable Pod for the window counted from the condition', () => {
    const candidate = podCandidate(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: ago(10) }] }), NOW, windows);

    expect(candidate).toMatchObject({ hint: 'unschedulable', since: new Date(NOW - 10_000).toISOString() });
    expect(candidate!.dueAtMs).toBe(NOW + 50_000);
  });

  it('waits past the first pull back-off for image pulls, but not for an invalid image name', () => {
    const backOff = podCandidate(pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] }), NOW, windows);
    const invalid = podCandidate(pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'InvalidImageName' } } }] }), NOW, windows);

    expect(backOff).toMatchObject({ hint: 'image-pull', dueAtMs: NOW + 20_000 });
    expect(invalid).toMatchObject({ hint: 'image-pull', dueAtMs: NOW });
  });

  it('tells an OOM crash loop from another crash loop', () => {
    const oom = running([{ name: 'web', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: ago(20) } } }], false);
    const crash = running([{ name: 'web', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(20) } } }], false);

    expect(podCandidate(oom, NOW, windows)?.hint).toBe('oom');
    expect(podCandidate(crash, NOW, windows)?.hint).toBe('crash');
  });

  it('notices a recent restart on a running Pod (a liveness kill) and ignores one from hours ago', () => {
    const recent = running([{ name: 'web', ready: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'Error', finishedAt: ago(30) } } }], true);
    const old = running([{ name: 'web', ready: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'Error', finishedAt: ago(3 * 3600) } } }], true);

    expect(podCandidate(recent, NOW, windows)?.hint).toBe('restarted');
    expect(podCandidate(old, NOW, windows)).toBeNull();
  });

  it('holds a not-Ready running Pod for the window', () => {
    const candidate = podCandidate(running([{ name: 'web', ready: false, restartCount: 0, state: { running: {} } }], false, 5), NOW, windows);

    expect(candidate).toMatchObject({ hint: 'not-ready', dueAtMs: NOW + 55_000 });
  });

  it('times a Terminating Pod from its deletionTimestamp, which already includes the grace period', () => {
    const candidate = podCandidate(pod({ phase: 'Running' }, { deletionTimestamp: ago(5), deletionGracePeriodSeconds: 30 }), NOW, windows);

    expect(candidate).toMatchObject({ hint: 'terminating', dueAtMs: NOW + 55_000 });
  });

  it('flags evicted and Unknown Pods at once', () => {
    expect(podCandidate(pod({ phase: 'Failed', reason: 'Evicted' }), NOW, windows)).toMatchObject({ hint: 'evicted', dueAtMs: NOW });
    expect(podCandidate(pod({ phase: 'Unknown' }), NOW, windows)).toMatchObject({ hint: 'unknown', dueAtMs: NOW });
  });
});

describe('windowsFrom', () => {
  it('never ends a window before the engine would diagnose the same state', () => {
    const short = windowsFrom(5);

    expect(short.notReady).toBe(60);
    expect(short.nodeNotReady).toBe(60);
    expect(short.unschedulable).toBe(30);
    expect(short.imagePull).toBe(5);
  });
});

describe('isPodHealthy', () => {
  it('is true for Running+Ready and Succeeded, false for Terminating and not Ready', () => {
    expect(isPodHealthy(running([], true))).toBe(true);
    expect(isPodHealthy(pod({ phase: 'Succeeded' }))).toBe(true);
    expect(isPodHealthy(running([], false))).toBe(false);
    expect(isPodHealthy({ ...running([], true), metadata: { name: 'a', deletionTimestamp: ago(1) } })).toBe(false);
  });
});

describe('nodeCandidate', () => {
  it('flags a node whose Ready condition is Unknown, timed from the transition', () => {
    // source: pkg/controller/nodelifecycle/node_lifecycle_controller.go sets Ready=Unknown, reason NodeStatusUnknown.
    const node = { metadata: { name: 'n1', uid: 'n-uid' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: ago(40) }] } };

    expect(nodeCandidate(node, NOW, windows)).toMatchObject({ hint: 'node-not-ready', dueAtMs: NOW + 20_000 });
    expect(nodeCandidate({ metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, NOW, windows)).toBeNull();
  });
});
