import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { evicted, parseEvictionMessage } from '../../../src/diagnosis/scenarios/evicted.ts';
import { podSnapshot } from '../../support/fixtures.ts';

const MEMORY_BURSTABLE = 'evicted/memory/burstable-over-request.yaml';
const MEMORY_ADMISSION = 'evicted/memory/besteffort-admission-rejected.yaml';
const DISK_CONTAINER_LIMIT = 'evicted/disk/container-ephemeral-limit.yaml';
const DISK_NODEFS = 'evicted/disk/nodefs-pressure.yaml';
const DISK_EMPTYDIR = 'evicted/disk/emptydir-size-limit.yaml';
const OTHER_PIDS = 'evicted/other/pid-pressure.yaml';
const OTHER_PREEMPTED = 'evicted/other/preempted-by-scheduler.yaml';
const OTHER_TAINT = 'evicted/other/taint-manager-noexecute.yaml';
const OTHER_KUBELET_PREEMPTION = 'evicted/other/kubelet-critical-preemption.yaml';

describe('evicted detector: one positive per cause', () => {
  it.each([
    [MEMORY_BURSTABLE, 'memory', /^Pod api-6c9f7d8b4-qk2zp was evicted from node node-b, which ran low on memory \(available 89\.5Mi, threshold 100Mi\); container api used 1\.2Gi against a request of 256Mi\.$/],
    [MEMORY_ADMISSION, 'memory', /^Pod report-worker-7b5d9c6f8-m4t7x was rejected by the kubelet on node node-c, which had MemoryPressure when the Pod arrived\.$/],
    [DISK_CONTAINER_LIMIT, 'disk', /container thumbnailer exceeded its ephemeral-storage limit of 1Gi\.$/],
    [DISK_NODEFS, 'disk', /ran low on ephemeral-storage \(available 9\.1Gi, threshold 9\.6Gi\); container indexer used 20Gi against no request\.$/],
    [DISK_EMPTYDIR, 'disk', /its emptyDir volume scratch exceeded its sizeLimit of 500Mi\.$/],
    [OTHER_PIDS, 'other', /which ran low on process IDs \(available 2954, threshold 3276\)\.$/],
    [OTHER_PREEMPTED, 'other', /^Pod recommender-6f7b8c9d5-h2kq4 was preempted by the scheduler on node node-a to make room for a higher-priority Pod \(uid 7e2f4a9c-1b3d-4e5f-8a6b-9c0d1e2f3a4b\)\.$/],
    [OTHER_TAINT, 'other', /deleted by the taint manager because node node-e has a NoExecute taint \(dedicated=batch:NoExecute\)/],
    [OTHER_KUBELET_PREEMPTION, 'other', /preempted by the kubelet on node node-g to make room for a critical Pod/],
  ] as const)('%s is evicted.%s', (path, cause, summary) => {
    const snapshot = podSnapshot(path);

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'evicted', cause, otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
  });
});

describe('evicted detector: evidence', () => {
  it('shows the status fields, the QoS class with its eviction rank, the request the container overran and the Evicted event', () => {
    const snapshot = podSnapshot(MEMORY_BURSTABLE);

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.phase', value: 'Failed' },
      { kind: 'status', field: 'status.reason', value: 'Evicted' },
      {
        kind: 'status',
        field: 'status.message',
        value: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91624Ki. Container api was using 1288940Ki, request is 256Mi, has larger consumption of memory.',
      },
      expect.objectContaining({ kind: 'status', field: 'status.qosClass', value: expect.stringMatching(/^Burstable \(Burstable Pods using more than they request are evicted before/) }),
      { kind: 'spec', field: 'spec.containers[api].resources.requests.memory', value: '256Mi', note: 'the container was using 1288940Ki (1.2Gi) when it was evicted' },
      { kind: 'status', field: 'status.conditions[DisruptionTarget].reason', value: 'TerminationByKubelet' },
      { kind: 'node', node: 'node-b', detail: 'MemoryPressure=False (KubeletHasSufficientMemory) since 15m ago' },
      expect.objectContaining({ kind: 'event', object: 'Pod/api-6c9f7d8b4-qk2zp', type: 'Warning', reason: 'Evicted', count: 1, ageSeconds: 1188 }),
      expect.objectContaining({ kind: 'event', object: 'Node/node-b', reason: 'EvictionThresholdMet', message: 'Attempting to reclaim memory' }),
    ]));
  });

  it('says a BestEffort Pod is the first to go, and shows the pressure the node is still under', () => {
    const snapshot = podSnapshot(MEMORY_ADMISSION);

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.message', value: 'Pod was rejected: The node had condition: [MemoryPressure].' },
      { kind: 'status', field: 'status.qosClass', value: 'BestEffort (no requests at all, so any usage exceeds them: the kubelet evicts BestEffort Pods first)' },
      { kind: 'node', node: 'node-c', detail: 'MemoryPressure=True (KubeletHasInsufficientMemory) since 30m ago' },
    ]));
    expect(finding?.remediation[0]?.text).toMatch(/as a BestEffort Pod it has no requests and is the first the kubelet evicts/);
  });

  it('names the ephemeral-storage limit and the emptyDir sizeLimit that were exceeded', () => {
    const limit = evicted.detect(podSnapshot(DISK_CONTAINER_LIMIT), DEFAULT_ENGINE_SETTINGS);
    const emptyDir = evicted.detect(podSnapshot(DISK_EMPTYDIR), DEFAULT_ENGINE_SETTINGS);

    expect(limit?.evidence).toContainEqual({ kind: 'spec', field: 'spec.containers[thumbnailer].resources.limits.ephemeral-storage', value: '1Gi' });
    expect(emptyDir?.evidence).toContainEqual({ kind: 'spec', field: 'spec.volumes[scratch].emptyDir.sizeLimit', value: '500Mi' });
  });

  it('gives the preemptor uid, the DisruptionTarget condition and the missing PriorityClass for a scheduler preemption', () => {
    const snapshot = podSnapshot(OTHER_PREEMPTED);

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.conditions[DisruptionTarget]', value: 'True (PreemptionByScheduler: default-scheduler: preempting to accommodate a higher priority pod)' },
      expect.objectContaining({ kind: 'event', reason: 'Preempted', message: 'Preempted by pod 7e2f4a9c-1b3d-4e5f-8a6b-9c0d1e2f3a4b on node node-a', ageSeconds: 10 }),
      { kind: 'spec', field: 'spec.priorityClassName', value: 'unset', note: 'the Pod runs at the default priority, so any higher-priority Pod may preempt it' },
    ]));
    expect(finding?.remediation.map((r) => r.command)).toContain('kubectl get priorityclass');
    expect(finding?.actions).toEqual([]);
  });

  it('names the NoExecute taint and the TaintManagerEviction event for a taint-based deletion', () => {
    const snapshot = podSnapshot(OTHER_TAINT);

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'node', node: 'node-e', detail: 'taint dedicated=batch:NoExecute' },
      expect.objectContaining({ kind: 'event', reason: 'TaintManagerEviction', message: 'Marking for deletion Pod shop/cart-5b7c8d9f4-r7mzt' }),
    ]));
    expect(finding?.remediation[0]?.command).toBe('kubectl taint nodes node-e dedicated:NoExecute-');
  });
});

describe('evicted detector: remediation and actions', () => {
  it('raises the overrun request to the usage the kubelet reported, and offers to clear the Failed object of a ReplicaSet Pod', () => {
    const snapshot = podSnapshot(MEMORY_BURSTABLE);

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[0]?.text).toMatch(/^Raise spec\.containers\[api\]\.resources\.requests\.memory from 256Mi to at least 1\.2Gi/);
    expect(finding?.remediation.at(-1)).toMatchObject({
      text: expect.stringContaining('ReplicaSet/api-6c9f7d8b4 has already started a replacement'),
      command: 'kubectl -n shop delete pod --field-selector=status.phase==Failed',
    });
    expect(finding?.actions).toEqual([{ action: 'restart-pod', reason: expect.stringMatching(/^Deletes this Failed Pod object only/) }]);
  });

  it('offers no delete button for a bare Pod (nothing would recreate it) or a Job Pod (it carries the Job history)', () => {
    const bare = evicted.detect(podSnapshot(DISK_EMPTYDIR), DEFAULT_ENGINE_SETTINGS);
    const job = evicted.detect(podSnapshot(DISK_NODEFS), DEFAULT_ENGINE_SETTINGS);

    expect(bare?.actions).toEqual([]);
    expect(bare?.remediation.at(-1)?.text).toContain('this Pod has no controller, so nothing recreates it');
    expect(job?.actions).toEqual([]);
    expect(job?.remediation.at(-1)?.text).toContain('Job/reindex-29101440 counts it as a failed attempt');
  });

  it('sends node-level disk pressure to the node, with the cleanup commands', () => {
    const finding = evicted.detect(podSnapshot(DISK_NODEFS), DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[0]).toMatchObject({
      text: expect.stringMatching(/^Node node-d ran low on disk \(nodefs or imagefs\): 9\.1Gi left against a threshold of 9\.6Gi\./),
      command: 'kubectl describe node node-d; crictl rmi --prune; df -h /var/lib/kubelet /var/lib/containerd',
    });
  });
});

describe('evicted detector: graceful node shutdown', () => {
  it('reports a Pod the kubelet stopped for an imminent node shutdown as evicted.other', () => {
    const snapshot = podSnapshot(OTHER_KUBELET_PREEMPTION);
    snapshot.pod.status = { ...snapshot.pod.status, phase: 'Failed', reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' };

    const finding = evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'other', summary: 'Pod search-ui-7c5d6b8f9-j4n6p was stopped by the kubelet because node node-g was shutting down (graceful node shutdown).' });
    expect(finding?.evidence).toContainEqual({ kind: 'status', field: 'status.message', value: 'Pod was terminated in response to imminent node shutdown.' });
  });

  it('does not take any Failed Pod with reason Terminated for a node shutdown', () => {
    const snapshot = podSnapshot(OTHER_KUBELET_PREEMPTION);
    snapshot.pod.status = { ...snapshot.pod.status, phase: 'Failed', reason: 'Terminated', message: 'something else' };
    snapshot.pod.status.conditions = [];
    snapshot.events = [];

    expect(evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });
});

describe('evicted detector: the eviction message parser', () => {
  it.each([
    ['The node was low on resource: memory. ', 'memory', []],
    ['The node was low on resource: inodes. Threshold quantity: 5%, available: 1024. ', 'disk', []],
    ['The node was low on resource: nodefsInodes.', 'disk', []],
    ['Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. ', 'disk', []],
    ['Pod was rejected: The node had condition: [MemoryPressure DiskPressure]. ', 'disk', ['memory']],
    ['Pod was rejected: The node had condition: [PIDPressure]. ', 'other', []],
  ] as const)('reads %j as %s', (message, cause, otherCauses) => {
    const parsed = parseEvictionMessage(message);

    expect({ cause: parsed.cause, otherCauses: parsed.otherCauses }).toEqual({ cause, otherCauses });
  });

  it('falls back to the node pressure conditions when the message is not one it knows', () => {
    const parsed = parseEvictionMessage('Evicted by a custom controller', ['DiskPressure']);

    expect(parsed.cause).toBe('disk');
  });

  it('collects every container that used more than it requested', () => {
    const parsed = parseEvictionMessage(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container a was using 900Mi, request is 100Mi, has larger consumption of memory. Container b was using 300Mi, request is 0, has larger consumption of memory. ',
    );

    expect(parsed.usages).toEqual([
      { container: 'a', usage: '900Mi', request: '100Mi', resource: 'memory' },
      { container: 'b', usage: '300Mi', request: '0', resource: 'memory' },
    ]);
    expect(parsed.threshold).toEqual({ quantity: '100Mi', available: '50Mi' });
  });
});

describe('evicted detector: DisruptionTarget names the disruption, even while the Pod still shows Running', () => {
  it('answers a voluntary Eviction API eviction in its grace period as settling (routine, never alerted on)', () => {
    const finding = evicted.detect(podSnapshot('healthy/evicted-drain-in-progress.yaml'), DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'other', settling: { state: 'Evicting (Eviction API)', forSeconds: 5 } });
    expect(finding?.summary).toContain('is being evicted through the Eviction API');
  });

  it.each([
    ['evicted/other/preempted-by-kube-scheduler-1-26.yaml', 'other', 'preempted by the scheduler'],
    ['evicted/memory/kubelet-evicting-still-running.yaml', 'memory', 'is being evicted from node'],
    ['evicted/other/gitlab-job-evicted-by-api.yaml', 'other', 'was evicted through the Eviction API'],
  ])('%s is evicted.%s', (path, cause, words) => {
    const diagnosis = diagnose(podSnapshot(path));

    expect(diagnosis).toMatchObject({ cause: `evicted.${cause}` });
    expect(diagnosis).not.toHaveProperty('settling');
    expect(diagnosis?.summary).toContain(words);
  });
});

describe('evicted detector: stays silent', () => {
  it.each([
    'healthy/running-deployment-pod.yaml',
    'healthy/evicted-memorypressure-survivor.yaml',
    'healthy/terminating-within-grace.yaml',
  ])('on %s', (path) => {
    const snapshot = podSnapshot(path);

    expect(evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('on a Pod whose DisruptionTarget was reset to False (the preemption never went ahead)', () => {
    const snapshot = podSnapshot(OTHER_PREEMPTED);
    delete snapshot.pod.metadata.deletionTimestamp;
    const condition = snapshot.pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    if (condition) condition.status = 'False';
    snapshot.events = [];

    expect(evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('on a Failed Pod that was not evicted (an ordinary crash is container-exit)', () => {
    const snapshot = podSnapshot(MEMORY_BURSTABLE);
    if (snapshot.pod.status) {
      delete snapshot.pod.status.reason;
      delete snapshot.pod.status.message;
    }

    expect(evicted.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });
});

describe('evicted through the engine', () => {
  it('wins over the 137 the evicted container shows, so oom and container-exit never see it', () => {
    const snapshot = podSnapshot(MEMORY_BURSTABLE);

    const diagnosis = diagnose(snapshot);

    expect(diagnosis).toMatchObject({ cause: 'evicted.memory', otherCauses: [] });
  });
});
