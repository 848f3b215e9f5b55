import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { unknown } from '../../../src/diagnosis/scenarios/unknown.ts';
import { podSnapshot } from '../../support/fixtures.ts';

const STOPPED_POSTING = 'unknown/node-lost/kubelet-stopped-posting.yaml';
const RUNTIME_DOWN = 'unknown/node-lost/daemonset-runtime-down.yaml';
const STATEFULSET = 'unknown/node-lost/statefulset-unreachable.yaml';
const RECOVERED = 'healthy/unknown-node-recovered.yaml';
const TRANSIENT = 'healthy/unknown-node-notready-transient.yaml';

describe('unknown detector: node-lost', () => {
  it.each([
    [STOPPED_POSTING, /^Pod checkout-7d8f9b6c5-v4x2k runs on node node-h, which stopped reporting 4m ago \(Ready=Unknown, NodeStatusUnknown: Kubelet stopped posting node status\.\); its status is stale/],
    [RUNTIME_DOWN, /^Pod log-agent-x9z8w runs on node node-i, which has been NotReady for 20m \(Ready=False, KubeletNotReady: container runtime is down\)/],
    [STATEFULSET, /^Pod orders-db-1 runs on node node-j, which stopped reporting 2m ago/],
  ])('%s is unknown.node-lost', (path, summary) => {
    const snapshot = podSnapshot(path);

    const finding = unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'unknown', cause: 'node-lost', otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
  });

  it('shows the node condition with heartbeat age, the taints, the toleration countdown and the Pod-side traces', () => {
    const snapshot = podSnapshot(STOPPED_POSTING);

    const finding = unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual([
      { kind: 'status', field: 'status.phase', value: 'Running (last reported by the kubelet before the node was lost)' },
      { kind: 'node', node: 'node-h', detail: 'Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.), since 4m ago, last kubelet heartbeat 5m ago' },
      { kind: 'node', node: 'node-h', detail: 'taint node.kubernetes.io/unreachable:NoSchedule, added 4m ago' },
      { kind: 'node', node: 'node-h', detail: 'taint node.kubernetes.io/unreachable:NoExecute, added 4m ago' },
      { kind: 'event', object: 'Node/node-h', type: 'Normal', reason: 'NodeNotReady', message: 'Node node-h status is now: NodeNotReady', count: 1, ageSeconds: 240 },
      {
        kind: 'spec',
        field: 'spec.tolerations[node.kubernetes.io/unreachable:NoExecute].tolerationSeconds',
        value: '300',
        note: 'the taint was added 4m ago: the taint manager deletes this Pod in 65s',
      },
      { kind: 'status', field: 'status.conditions[Ready].status', value: 'False (since 4m ago)' },
      { kind: 'event', object: 'Pod/checkout-7d8f9b6c5-v4x2k', type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', count: 1, ageSeconds: 239 },
    ]);
  });

  it('says a DaemonSet Pod tolerates the taint forever, and leaves out the 300 s default that does not apply to it', () => {
    const snapshot = podSnapshot(RUNTIME_DOWN);

    const finding = unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.tolerations[node.kubernetes.io/not-ready:NoExecute].tolerationSeconds',
      value: 'unset',
      note: 'the Pod tolerates the taint forever (as DaemonSet Pods do), so the taint manager never evicts it',
    });
    expect(finding?.remediation.some((r) => r.text.includes('300 s by default'))).toBe(false);
    expect(finding?.remediation[0]?.text).toMatch(/is still posting status but reports it cannot run Pods \("container runtime is down"\)/);
  });

  it('points at the node, its kubelet log, the taint-based eviction default and the out-of-service taint', () => {
    const snapshot = podSnapshot(STOPPED_POSTING);

    const finding = unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation.map((r) => r.command ?? null)).toEqual([
      'kubectl describe node node-h',
      'journalctl -u kubelet --since "1 hour ago"; systemctl status kubelet containerd',
      null,
      'kubectl drain node-h --ignore-daemonsets --delete-emptydir-data --timeout=2m; kubectl taint nodes node-h node.kubernetes.io/out-of-service=nodeshutdown:NoExecute',
    ]);
    expect(finding?.remediation[2]?.text).toMatch(/for 300 s by default \(DefaultTolerationSeconds admission plugin\)/);
  });

  it('offers force-delete for a ReplicaSet Pod, but only a warning for a StatefulSet Pod', () => {
    const replicaSet = unknown.detect(podSnapshot(STOPPED_POSTING), DEFAULT_ENGINE_SETTINGS);
    const statefulSet = unknown.detect(podSnapshot(STATEFULSET), DEFAULT_ENGINE_SETTINGS);

    expect(replicaSet?.actions.map((a) => a.action)).toEqual(['rediagnose', 'force-delete']);
    expect(statefulSet?.actions.map((a) => a.action)).toEqual(['rediagnose']);
    expect(statefulSet?.remediation.at(-1)?.text).toMatch(/^Pod orders-db-1 belongs to StatefulSet\/orders-db: do not force-delete it .* at-most-one guarantee/);
  });

  it('counts a Pod whose Node object was deleted once the node controller had marked it NotReady', () => {
    const snapshot = podSnapshot(STOPPED_POSTING);
    snapshot.node = undefined;
    snapshot.nodes = snapshot.nodes.map((n) => ({ ...n, metadata: { ...n.metadata, name: 'node-a' } }));

    const finding = unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.summary).toMatch(/^Pod checkout-7d8f9b6c5-v4x2k is bound to node node-h, which no longer exists/);
    expect(finding?.evidence).toContainEqual({ kind: 'node', node: 'node-h', detail: 'not among the 1 Node(s) in the cluster: the Node object was deleted' });
  });

  it('counts the legacy phase Unknown with reason NodeLost', () => {
    const snapshot = podSnapshot(STOPPED_POSTING);
    snapshot.events = [];
    snapshot.pod.status = { ...snapshot.pod.status, phase: 'Unknown', reason: 'NodeLost', message: 'Node node-h which was running pod checkout-7d8f9b6c5-v4x2k is unresponsive' };

    const finding = unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.phase', value: 'Unknown' },
      { kind: 'status', field: 'status.reason', value: 'NodeLost' },
    ]));
  });
});

describe('unknown detector: stays silent', () => {
  it.each([
    ['a node that was NotReady an hour ago and is Ready now', RECOVERED],
    ['a healthy Pod', 'healthy/running-deployment-pod.yaml'],
    ['an evicted (terminal) Pod', 'evicted/memory/burstable-over-request.yaml'],
  ])('on %s', (_name, path) => {
    const snapshot = podSnapshot(path);

    expect(unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('on a Pod whose node is missing from a partial dump with nothing else pointing at node loss', () => {
    const snapshot = podSnapshot('healthy/running-deployment-pod.yaml');
    snapshot.node = undefined;
    snapshot.nodes = snapshot.nodes.map((n) => ({ ...n, metadata: { ...n.metadata, name: 'node-z' } }));

    expect(unknown.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('but answers the 20 s NotReady node as settling, and definitively once the NotReady state outlasts the 60 s threshold', () => {
    const early = podSnapshot(TRANSIENT);
    const later = podSnapshot(TRANSIENT, '2026-11-20T12:01:00Z');

    expect(unknown.detect(early, DEFAULT_ENGINE_SETTINGS)).toMatchObject({ cause: 'node-lost', settling: { state: 'NodeNotReady', forSeconds: 20, alertAfterSeconds: 60 } });
    expect(unknown.detect(later, DEFAULT_ENGINE_SETTINGS)).toMatchObject({ cause: 'node-lost' });
    expect(unknown.detect(later, DEFAULT_ENGINE_SETTINGS)).not.toHaveProperty('settling');
  });
});

describe('unknown through the engine', () => {
  it('leaves an overdue deletion on a lost node to terminating.node-lost, which runs first', () => {
    const snapshot = podSnapshot(STOPPED_POSTING);
    snapshot.pod.metadata.deletionTimestamp = '2026-11-20T11:50:00Z';
    snapshot.pod.metadata.deletionGracePeriodSeconds = 30;

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('terminating.node-lost');
  });

  it('reports a deletion still within its grace period on a lost node as unknown.node-lost, saying it cannot complete', () => {
    const snapshot = podSnapshot(STOPPED_POSTING);
    snapshot.pod.metadata.deletionTimestamp = '2026-11-20T12:00:20Z';
    snapshot.pod.metadata.deletionGracePeriodSeconds = 30;

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('unknown.node-lost');
    expect(diagnosis?.summary).toMatch(/already marked for deletion, which cannot complete until the node answers or the Pod is force-deleted\.$/);
  });
});

describe('node lost: say what kubectl shows', () => {
  it('is unknown.node-lost for a Pod the node controller marked NodeLost, even while it is being deleted', () => {
    for (const path of ['unknown/node-lost/nodelost-reason-being-deleted.yaml', 'unknown/node-lost/nodelost-reason-pod-only-dump.yaml']) {
      const diagnosis = diagnose(podSnapshot(path));

      expect(diagnosis?.cause).toBe('unknown.node-lost');
      expect(diagnosis?.summary).toContain('kubectl shows it as Unknown (the node controller set status.reason NodeLost)');
      expect(diagnosis?.summary).toContain('terminating.node-lost');
    }
  });

  it('is terminating.node-lost for a deletion on a lost node without that mark, and says the other reading', () => {
    const snapshot = podSnapshot('unknown/node-lost/nodelost-reason-being-deleted.yaml');
    if (snapshot.pod.status) delete snapshot.pod.status.reason;

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('terminating.node-lost');
    expect(diagnosis?.summary).toContain('kubectl shows it as Terminating; seen from its node, it is a Pod on a lost node (unknown.node-lost)');
  });

  it('mentions the Terminating reading for a Pod not being deleted', () => {
    const diagnosis = diagnose(podSnapshot(STOPPED_POSTING));

    expect(diagnosis?.summary).toContain('If it is deleted before the node answers, it will hang in Terminating (terminating.node-lost)');
  });
});
