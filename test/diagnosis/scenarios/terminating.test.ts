import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { terminating } from '../../../src/diagnosis/scenarios/terminating.ts';
import { podSnapshot } from '../../support/fixtures.ts';

const CUSTOM_FINALIZER = 'terminating/finalizer/custom-finalizer.yaml';
const JOB_TRACKING = 'terminating/finalizer/job-tracking.yaml';
const FORCE_DELETED = 'terminating/finalizer/force-deleted-on-lost-node.yaml';
const STILL_RUNNING = 'terminating/unresponsive/still-running-kill-failed.yaml';
const PRESTOP_FAILED = 'terminating/unresponsive/prestop-hook-failed.yaml';
const NODE_LOST_STS = 'terminating/node-lost/unreachable-statefulset.yaml';
const NODE_LOST_FINALIZER = 'terminating/node-lost/unreachable-with-finalizer.yaml';
const WITHIN_GRACE = 'healthy/terminating-within-grace.yaml';
const JUST_PAST_GRACE = 'healthy/terminating-just-past-grace.yaml';

describe('terminating detector: one positive per cause', () => {
  it.each([
    [CUSTOM_FINALIZER, 'finalizer', [], /^Pod payments-5c6d7e8f9-k3m8n has been Terminating 40m past its grace period: its containers have stopped, but metadata\.finalizers still lists "shop\.example\.com\/deregister"/],
    [JOB_TRACKING, 'finalizer', [], /metadata\.finalizers still lists "batch\.kubernetes\.io\/job-tracking"/],
    [STILL_RUNNING, 'unresponsive', [], /^Pod ingest-7f6e5d4c3-w8q2z has been Terminating 30m past its grace period: container ingest is still running on node node-a .* The kubelet reports it cannot kill the Pod \(FailedKillPod ×11\)\.$/],
    [PRESTOP_FAILED, 'unresponsive', [], /container elasticsearch is still running on node node-c .* Its preStop hook failed\.$/],
    [NODE_LOST_STS, 'node-lost', [], /^Pod kafka-2 has been Terminating 26m past its grace period: its node node-k stopped reporting 32m ago \(Ready=Unknown, NodeStatusUnknown: Kubelet stopped posting node status\.\), so the kubelet cannot confirm the containers stopped\. kubectl shows it as Terminating; seen from its node, it is a Pod on a lost node \(unknown\.node-lost\)\.$/],
  ] as const)('%s is terminating.%s', (path, cause, otherCauses, summary) => {
    const snapshot = podSnapshot(path);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'terminating', cause, otherCauses });
    expect(finding?.summary).toMatch(summary);
  });
});

describe('terminating detector: primary-cause rule', () => {
  it('puts node-lost first when the node is lost, and lists the finalizer as another cause', () => {
    const snapshot = podSnapshot(NODE_LOST_FINALIZER);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'node-lost', otherCauses: ['finalizer'] });
    expect(finding?.remediation.at(-1)?.text).toMatch(/^Even force-deleted, the Pod stays until metadata\.finalizers \(shop\.example\.com\/deregister\) is empty/);
  });

  it('puts the finalizer first once the Pod was force-deleted (grace 0): the API server no longer waits for the kubelet', () => {
    const snapshot = podSnapshot(FORCE_DELETED);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'finalizer', otherCauses: ['node-lost'] });
    expect(finding?.summary).toMatch(/it was already force-deleted, so only metadata\.finalizers \("shop\.example\.com\/deregister"\) keeps the object/);
    // The container states were reported before the node was lost: not evidence.
    expect(finding?.evidence.some((e) => e.kind === 'status' && e.field.startsWith('status.containerStatuses'))).toBe(false);
  });

  it('puts unresponsive before a finalizer while a container still runs: it must stop before any controller finalizes', () => {
    const snapshot = podSnapshot(STILL_RUNNING);
    snapshot.pod.metadata.finalizers = ['shop.example.com/drain'];

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'unresponsive', otherCauses: ['finalizer'] });
  });

  it('treats stale "running" container states on a lost node as node-lost, not unresponsive', () => {
    const snapshot = podSnapshot(NODE_LOST_STS);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.otherCauses).not.toContain('unresponsive');
  });

  it('counts a Node object that no longer exists (while other nodes are known) as node-lost', () => {
    const snapshot = podSnapshot(NODE_LOST_STS);
    snapshot.node = undefined;
    snapshot.nodes = snapshot.nodes.map((n) => ({ ...n, metadata: { ...n.metadata, name: 'node-a' } }));

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'node-lost' });
    expect(finding?.summary).toMatch(/its node node-k no longer exists, so no kubelet can confirm the containers stopped\. kubectl shows it as Terminating;/);
    expect(finding?.remediation[0]?.command).toBe('kubectl -n streaming delete pod kafka-2 --grace-period=0 --force');
  });

  it('says the node could not be checked when the snapshot has no Node objects', () => {
    const snapshot = podSnapshot(STILL_RUNNING);
    snapshot.node = undefined;
    snapshot.nodes = [];

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'unresponsive' });
    expect(finding?.remediation[0]).toMatchObject({ text: expect.stringMatching(/^The snapshot holds no Node objects, so node node-a could not be checked/), command: 'kubectl get node node-a' });
  });

  it('calls a stopped Pod with no finalizer on a healthy node a stuck kubelet teardown (unresponsive)', () => {
    const snapshot = podSnapshot(CUSTOM_FINALIZER);
    snapshot.pod.metadata.finalizers = [];

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'unresponsive', otherCauses: [] });
    expect(finding?.summary).toMatch(/its containers have stopped and no finalizer remains, but the kubelet on node node-a has not finished tearing it down/);
    expect(finding?.remediation[1]?.text).toMatch(/a volume that will not unmount/);
  });
});

describe('terminating detector: evidence', () => {
  it('shows the deletion timestamp with the overdue time, the grace period, the finalizers, the node and the stopped container', () => {
    const snapshot = podSnapshot(CUSTOM_FINALIZER);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual([
      { kind: 'spec', field: 'metadata.deletionTimestamp', value: '2026-11-20T11:20:30Z', note: 'grace period elapsed 40m ago' },
      { kind: 'spec', field: 'metadata.deletionGracePeriodSeconds', value: '30' },
      { kind: 'spec', field: 'metadata.finalizers', value: '["shop.example.com/deregister"]', note: 'the API server keeps the object until this list is empty' },
      { kind: 'node', node: 'node-a', detail: 'Ready=True (KubeletReady: kubelet is posting ready status), last kubelet heartbeat 10s ago' },
      expect.objectContaining({ kind: 'exit-code', container: 'payments', exitCode: 143, reason: 'Error', finishedAt: '2026-11-20T11:20:01Z' }),
      expect.objectContaining({ kind: 'event', reason: 'Killing', message: 'Stopping container payments', ageSeconds: 2400 }),
    ]);
  });

  it('shows the running container, the FailedKillPod event and the grace period for an unresponsive Pod', () => {
    const snapshot = podSnapshot(STILL_RUNNING);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.containerStatuses[ingest].state', value: 'running (started 4h ago)' },
      {
        kind: 'event',
        object: 'Pod/ingest-7f6e5d4c3-w8q2z',
        type: 'Warning',
        reason: 'FailedKillPod',
        message: 'error killing pod: failed to "KillContainer" for "ingest" with KillContainerError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded"',
        count: 11,
        ageSeconds: 80,
      },
      { kind: 'spec', field: 'spec.terminationGracePeriodSeconds', value: '30' },
    ]));
  });

  it('shows who asked for the deletion and the node-loss traces for a node-lost Pod', () => {
    const snapshot = podSnapshot(NODE_LOST_STS);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.conditions[DisruptionTarget]', value: 'True (DeletionByTaintManager: Taint manager: deleting due to NoExecute taint)' },
      { kind: 'node', node: 'node-k', detail: 'Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.), since 32m ago, last kubelet heartbeat 33m ago' },
      { kind: 'node', node: 'node-k', detail: 'taint node.kubernetes.io/unreachable:NoExecute, added 32m ago' },
      expect.objectContaining({ kind: 'event', reason: 'TaintManagerEviction', message: 'Marking for deletion Pod streaming/kafka-2' }),
      expect.objectContaining({ kind: 'event', reason: 'NodeNotReady', message: 'Node is not ready' }),
    ]));
  });
});

describe('terminating detector: remediation and actions', () => {
  it('offers force-delete for a lost node, with the StatefulSet at-most-one warning when the owner is a StatefulSet', () => {
    const snapshot = podSnapshot(NODE_LOST_STS);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.actions).toEqual([{ action: 'force-delete', reason: expect.stringMatching(/belongs to StatefulSet\/kafka: only do this once node node-k is confirmed powered off/) }]);
    expect(finding?.remediation.map((r) => r.command)).toContain('kubectl -n streaming delete pod kafka-2 --grace-period=0 --force');
    expect(finding?.remediation.at(-1)).toMatchObject({
      text: expect.stringMatching(/^Pod kafka-2 belongs to StatefulSet\/kafka\. A force delete does not wait for the kubelet: .* at-most-one-Pod-per-identity guarantee\. Confirm the machine is powered off first\.$/),
      docsUrl: 'https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/',
    });
  });

  it('offers force-delete without the StatefulSet warning for a ReplicaSet Pod', () => {
    const snapshot = podSnapshot(NODE_LOST_FINALIZER);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.actions).toEqual([{ action: 'force-delete', reason: 'Node node-l cannot confirm the deletion; force-deleting removes the Pod object so its controller can replace it elsewhere.' }]);
    expect(finding?.remediation.some((r) => r.text.includes('at-most-one'))).toBe(false);
  });

  it('offers remove-finalizer with the docs warning, and a JSON Patch that tests the finalizer before removing it', () => {
    const snapshot = podSnapshot(CUSTOM_FINALIZER);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.actions).toEqual([{ action: 'remove-finalizer', reason: expect.stringContaining('avoid manually removing finalizers; do it only when the purpose of the finalizer is understood and is accomplished in another way') }]);
    expect(finding?.remediation.at(-1)?.command).toBe(
      `kubectl -n shop patch pod payments-5c6d7e8f9-k3m8n --type=json -p '[{"op":"test","path":"/metadata/finalizers/0","value":"shop.example.com/deregister"},{"op":"remove","path":"/metadata/finalizers/0"}]'`,
    );
  });

  it("explains the Job controller's tracking finalizer and points at the Job", () => {
    const snapshot = podSnapshot(JOB_TRACKING);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[0]?.text).toMatch(/^"batch\.kubernetes\.io\/job-tracking" is the Job controller's \(kube-controller-manager\).* \(kubectl -n analytics get job nightly-export-29101380\)\.$/);
  });

  it('sends an unresponsive Pod to SIGTERM handling and the runtime, with force-delete as the last resort', () => {
    const snapshot = podSnapshot(STILL_RUNNING);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[0]?.command).toBe('journalctl -u kubelet | grep 1a0e3c4d-7001-4b1e-8f10-0a0b0c0d5001; crictl ps --name ingest; crictl inspect <container-id>');
    expect(finding?.remediation[1]?.text).toMatch(/PID 1 .* exec form \(CMD \["app"\]\) rather than the shell form \(CMD app\).*spec\.terminationGracePeriodSeconds/);
    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'rediagnose', 'force-delete']);
    expect(finding?.actions.at(-1)?.reason).toMatch(/^Last resort: removes the Pod object so its controller can replace it; the old process may keep running on node-a/);
  });

  it('warns a StatefulSet owner that force-deleting an unresponsive Pod leaves the old container running next to its replacement', () => {
    const snapshot = podSnapshot(PRESTOP_FAILED);

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation.at(-1)?.text).toMatch(/the old es-data-1 is still running on node-c, so the StatefulSet controller would start a second es-data-1 next to it/);
    expect(finding?.actions.find((a) => a.action === 'force-delete')?.reason).toMatch(/StatefulSet\/es-data would then start a second Pod with the same identity/);
  });
});

describe('terminating detector: stays silent', () => {
  it.each([
    ['within its grace period (deleted 10 s ago, 30 s grace)', WITHIN_GRACE],
    ['not being deleted', 'healthy/running-deployment-pod.yaml'],
    ['an evicted Pod (terminal, not deleted)', 'evicted/memory/burstable-over-request.yaml'],
  ])('on a Pod %s', (_name, path) => {
    const snapshot = podSnapshot(path);

    expect(terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

});

describe('terminating detector: answers as settling (the alert path waits)', () => {
  it('30 s past the grace period (under the 60 s allowance), then definitively once the allowance has passed', () => {
    const early = podSnapshot(JUST_PAST_GRACE);
    const late = podSnapshot(JUST_PAST_GRACE, '2026-11-20T12:00:31Z');

    expect(terminating.detect(early, DEFAULT_ENGINE_SETTINGS)).toMatchObject({ cause: 'unresponsive', settling: { forSeconds: 30, alertAfterSeconds: 60 } });
    expect(terminating.detect(late, DEFAULT_ENGINE_SETTINGS)).toMatchObject({ cause: 'unresponsive' });
    expect(terminating.detect(late, DEFAULT_ENGINE_SETTINGS)).not.toHaveProperty('settling');
  });

  it('when the caller raises terminatingOverdueSeconds', () => {
    const snapshot = podSnapshot(STILL_RUNNING);

    expect(terminating.detect(snapshot, { ...DEFAULT_ENGINE_SETTINGS, terminatingOverdueSeconds: 7200 })).toMatchObject({ settling: { alertAfterSeconds: 7200 } });
  });
});

describe('terminating detector: stays silent too', () => {
  it('on a never-scheduled Pod without finalizers (the API server removes it at once)', () => {
    const snapshot = podSnapshot(CUSTOM_FINALIZER);
    snapshot.pod.metadata.finalizers = [];
    delete snapshot.pod.spec.nodeName;
    snapshot.node = undefined;

    expect(terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });
});

describe('terminating through the engine', () => {
  it('wins over the failed preStop hook, which the hook detector would otherwise report', () => {
    const snapshot = podSnapshot(PRESTOP_FAILED);

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('terminating.unresponsive');
  });
});

describe('terminating detector: exit codes of a Pod being deleted', () => {
  it('calls exit 0 a clean stop, never "the main process has nothing to do"', () => {
    const snapshot = podSnapshot(CUSTOM_FINALIZER);
    for (const status of snapshot.pod.status?.containerStatuses ?? []) {
      if (status.state?.terminated) status.state.terminated = { ...status.state.terminated, exitCode: 0, reason: 'Completed' };
    }

    const finding = terminating.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    const exits = finding?.evidence.filter((e) => e.kind === 'exit-code') ?? [];
    expect(exits.length).toBeGreaterThan(0);
    for (const e of exits) expect(e).toMatchObject({ exitCode: 0, meaning: "0: exited successfully: a clean stop on the Pod's deletion" });
    expect(JSON.stringify(finding)).not.toMatch(/nothing to do/);
  });
});
