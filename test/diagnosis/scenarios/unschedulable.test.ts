import { describe, expect, it } from 'vitest';
import { parseKubectlDump } from '../../../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../../../src/cluster/snapshot.ts';
import type { Finding } from '../../../src/contract/diagnosis.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../../../src/contract/settings.ts';
import type { Snapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { unschedulable } from '../../../src/diagnosis/scenarios/unschedulable.ts';
import { podRequests } from '../../../src/diagnosis/scenarios/unschedulable-nodes.ts';
import { FIXTURE_NOW, loadFixture } from '../../support/fixtures.ts';

type UnschedulableFinding = Finding<'unschedulable'>;

/** Every finding the detector makes for the subjects of a fixture (Pods and workloads alike). */
function findingsOf(snapshots: Snapshot[], settings: EngineSettings = DEFAULT_ENGINE_SETTINGS): UnschedulableFinding[] {
  return snapshots.map((s) => unschedulable.detect(s, settings)).filter((f): f is UnschedulableFinding => f !== null);
}

function onlyFinding(path: string): UnschedulableFinding {
  const findings = findingsOf(loadFixture(path));
  expect(findings).toHaveLength(1);
  return findings[0] as UnschedulableFinding;
}

function snapshotsFrom(yaml: string): Snapshot[] {
  return buildSnapshots(classifyObjects(parseKubectlDump(yaml)), FIXTURE_NOW);
}

// A Pending Pod with PodScheduled=False/Unschedulable since `since` and one FailedScheduling event.
// Scheduler strings: kubernetes pkg/scheduler/framework/types.go (FitError) and the plugin files cited in
// src/diagnosis/scenarios/unschedulable-message.ts.
function pendingPod(opts: { message: string; since?: string; phase?: string; reason?: string }): string {
  const since = opts.since ?? '2026-11-20T11:00:00Z';
  return `
apiVersion: v1
kind: Pod
metadata: { name: app-0, namespace: team, uid: 00000000-0000-4000-8000-000000000001, creationTimestamp: "${since}" }
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      resources: { requests: { cpu: 500m, memory: 256Mi } }
  tolerations:
    - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
    - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
status:
  phase: ${opts.phase ?? 'Pending'}
  conditions:
    - type: PodScheduled
      status: "False"
      reason: ${opts.reason ?? 'Unschedulable'}
      lastTransitionTime: "${since}"
      message: "${opts.message}"
---
apiVersion: v1
kind: Event
metadata: { name: app-0.1, namespace: team }
involvedObject: { apiVersion: v1, kind: Pod, name: app-0, namespace: team, uid: 00000000-0000-4000-8000-000000000001 }
type: Warning
reason: FailedScheduling
action: Scheduling
message: "${opts.message}"
eventTime: "${since}"
series: { count: 3, lastObservedTime: "2026-11-20T11:58:00Z" }
reportingComponent: default-scheduler
`;
}

describe('unschedulable detector: one positive per cause', () => {
  it.each([
    ['unschedulable/insufficient-resources/cpu-all-nodes-full.yaml', 'insufficient-resources', []],
    ['unschedulable/insufficient-resources/fragmentation-no-node-fits.yaml', 'insufficient-resources', ['taint']],
    ['unschedulable/insufficient-resources/mixed-memory-and-taint.yaml', 'insufficient-resources', ['taint']],
    ['unschedulable/insufficient-resources/gpu-not-advertised.yaml', 'insufficient-resources', []],
    ['unschedulable/quota-exceeded/replicaset-requests-cpu.yaml', 'quota-exceeded', []],
    ['unschedulable/quota-exceeded/statefulset-pod-count.yaml', 'quota-exceeded', []],
    ['unschedulable/quota-exceeded/job-memory-two-resources.yaml', 'quota-exceeded', []],
    ['unschedulable/node-selector/no-node-has-label.yaml', 'node-selector', []],
    ['unschedulable/node-selector/label-value-case-mismatch.yaml', 'node-selector', ['taint']],
    ['unschedulable/node-selector/selector-no-match-two-nodes-lost.yaml', 'node-selector', ['no-ready-nodes']],
    ['unschedulable/affinity/pod-anti-affinity-hostname.yaml', 'affinity', ['taint']],
    ['unschedulable/affinity/required-node-affinity-zone.yaml', 'affinity', []],
    ['unschedulable/taint/dedicated-gpu-taint-primary.yaml', 'taint', ['insufficient-resources']],
    ['unschedulable/taint/unnamed-taint-v135.yaml', 'taint', []],
    ['unschedulable/no-ready-nodes/workers-not-ready.yaml', 'no-ready-nodes', ['taint']],
    ['unschedulable/no-ready-nodes/all-nodes-cordoned.yaml', 'no-ready-nodes', []],
  ] as const)('%s → %s', (path, cause, otherCauses) => {
    const finding = onlyFinding(path);

    expect(finding).toMatchObject({ scenario: 'unschedulable', cause, otherCauses: [...otherCauses] });
    expect(finding.remediation.length).toBeGreaterThan(0);
    expect(finding.actions.map((a) => a.action)).toContain('rediagnose');
  });

  it('goes through the engine as the full cause id of the primary cause', () => {
    const [pod] = loadFixture('unschedulable/taint/dedicated-gpu-taint-primary.yaml');

    const diagnosis = pod ? diagnose(pod) : null;

    expect(diagnosis).toMatchObject({
      subject: { kind: 'Pod', name: 'api-6f8d9c7b5-m2k8r' },
      cause: 'unschedulable.taint',
      otherCauses: ['unschedulable.insufficient-resources'],
    });
  });
});

/**
 * A Pending Pod with the given spec (YAML lines under `spec:`, indented by 2) and scheduler message, on three
 * workers in eu-west-1a/b/c labelled disktype=ssd (allocatable cpu 3920m, memory 15Gi). The `lost` workers
 * stopped reporting: Ready=Unknown and the unreachable taints, as pkg/controller/nodelifecycle/node_lifecycle_controller.go
 * leaves them (well_known_taints.go keys). `labels` adds labels per node; `omit` leaves nodes out of the dump.
 */
function podOnWorkers(opts: { spec: string; message: string; lost?: string[]; labels?: Record<string, Record<string, string>>; omit?: string[] }): string {
  const zones: Record<string, string> = { 'worker-1': 'eu-west-1a', 'worker-2': 'eu-west-1b', 'worker-3': 'eu-west-1c' };
  const lost = opts.lost ?? ['worker-2', 'worker-3'];
  const nodes = Object.entries(zones)
    .filter(([name]) => !(opts.omit ?? []).includes(name))
    .map(([name, zone]) => {
      const labels = { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, disktype: 'ssd', ...opts.labels?.[name] };
      const isLost = lost.includes(name);
      const taints = isLost
        ? '\n  taints:\n    - { key: node.kubernetes.io/unreachable, effect: NoSchedule }\n    - { key: node.kubernetes.io/unreachable, effect: NoExecute }'
        : ' {}';
      const ready = isLost
        ? '{ type: Ready, status: Unknown, reason: NodeStatusUnknown, message: Kubelet stopped posting node status. }'
        : '{ type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status }';
      return `---
apiVersion: v1
kind: Node
metadata: { name: ${name}, labels: ${JSON.stringify(labels)} }
spec:${taints}
status:
  allocatable: { cpu: 3920m, memory: 15Gi, pods: "110" }
  conditions:
    - ${ready}
`;
    });
  return `
apiVersion: v1
kind: Pod
metadata: { name: app-0, namespace: team, uid: 00000000-0000-4000-8000-000000000002, creationTimestamp: "2026-11-20T11:00:00Z" }
spec:
${opts.spec}
  tolerations:
    - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
    - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
status:
  phase: Pending
  conditions:
    - { type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "2026-11-20T11:00:00Z", message: "${opts.message}" }
${nodes.join('')}`;
}

const APP_CONTAINER = `  containers:
    - { name: app, image: registry.example.com/app:1.0, resources: { requests: { cpu: 500m, memory: 256Mi } } }`;
// Scheduler strings: pkg/scheduler/framework/types.go (FitError), plugins/nodeaffinity/node_affinity.go (ErrReasonPod),
// plugins/tainttoleration/taint_toleration.go (v1.25–v1.34 wording), plugins/noderesources/fit.go ("Insufficient %v").
const TWO_LOST = "2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }";

describe('unschedulable detector: ready or not, a cause that rules out every node comes first', () => {
  it('names the nodeSelector primary when no node, lost or not, has the label', () => {
    const finding = onlyFinding('unschedulable/node-selector/selector-no-match-two-nodes-lost.yaml');

    expect(finding.summary).toBe(
      'Pod orders-db-proxy-6b8f9d7c5-k4m2x cannot be scheduled: no node has the label disktype=nvme its nodeSelector requires ' +
        '(1 of 3 nodes rejected by node affinity/selector); that holds for every node, ready or not, so fixing no-ready-nodes (2 nodes) ' +
        'alone would not let it run (the scheduler reports only the first check that fails on each node).',
    );
    expect(finding.evidence).toContainEqual({ kind: 'spec', field: 'spec.nodeSelector.disktype', value: 'nvme', note: 'no node has disktype=nvme; nodes have disktype=ssd' });
    expect(finding.remediation.some((r) => r.text.startsWith('Also (no-ready-nodes, 2 nodes)'))).toBe(true);
  });

  it('names the required node affinity primary when no node, lost or not, is in the zone it requires', () => {
    const spec = `${APP_CONTAINER}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions: [{ key: topology.kubernetes.io/zone, operator: In, values: [eu-west-1d] }]`;
    const yaml = podOnWorkers({ spec, message: `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, ${TWO_LOST}.` });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'affinity', otherCauses: ['no-ready-nodes'] });
  });

  it('names insufficient-resources primary when the request is larger than any node, lost or not, can allocate', () => {
    const spec = `  containers:
    - { name: app, image: registry.example.com/app:1.0, resources: { requests: { cpu: "6", memory: 1Gi } } }`;
    const yaml = podOnWorkers({ spec, message: `0/3 nodes are available: 1 Insufficient cpu, ${TWO_LOST}.` });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'insufficient-resources', otherCauses: ['no-ready-nodes'] });
    expect(finding?.summary).toBe(
      'Pod app-0 cannot be scheduled: it requests cpu 6, more than any single node can allocate (largest: worker-1 with cpu 3920m); ' +
        'that holds for every node, ready or not, so fixing no-ready-nodes (2 nodes) alone would not let it run ' +
        '(the scheduler reports only the first check that fails on each node).',
    );
  });

  it('adds the nodeSelector as primary when the scheduler stopped at readiness on every node', () => {
    const yaml = podOnWorkers({
      spec: `  nodeSelector: { disktype: nvme }\n${APP_CONTAINER}`,
      message: '0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.',
      lost: ['worker-1', 'worker-2', 'worker-3'],
    });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'node-selector', otherCauses: ['no-ready-nodes'] });
    expect(finding?.summary).toContain('no node has the label disktype=nvme its nodeSelector requires');
  });

  it('keeps no-ready-nodes primary when a lost node has the label (bringing it back lets the Pod run)', () => {
    const yaml = podOnWorkers({
      spec: `  nodeSelector: { disktype: nvme }\n${APP_CONTAINER}`,
      message: `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, ${TWO_LOST}.`,
      labels: { 'worker-2': { disktype: 'nvme' } },
    });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'no-ready-nodes', otherCauses: ['node-selector'] });
  });

  it('trusts the scheduler counts when the dump lacks some of the nodes it counted', () => {
    const yaml = podOnWorkers({
      spec: `  nodeSelector: { disktype: nvme }\n${APP_CONTAINER}`,
      message: `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, ${TWO_LOST}.`,
      omit: ['worker-3'],
    });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'no-ready-nodes', otherCauses: ['node-selector'] });
  });
});

describe('unschedulable evidence', () => {
  it('quotes the newest FailedScheduling event and the PodScheduled condition', () => {
    const finding = onlyFinding('unschedulable/insufficient-resources/cpu-all-nodes-full.yaml');

    expect(finding.evidence).toEqual(
      expect.arrayContaining([
        { kind: 'status', field: 'status.phase', value: 'Pending' },
        { kind: 'status', field: 'status.conditions[PodScheduled]', value: 'False (Unschedulable) for 20m' },
        expect.objectContaining({
          kind: 'event',
          object: 'Pod/checkout-6c9b7d5f4d-7xk2p',
          type: 'Warning',
          reason: 'FailedScheduling',
          count: 9,
          message: expect.stringContaining('3 Insufficient cpu'),
        }),
      ]),
    );
  });

  it('sizes an insufficient-cpu Pod against node allocatable, saying what it cannot see', () => {
    const finding = onlyFinding('unschedulable/insufficient-resources/cpu-all-nodes-full.yaml');

    expect(finding.summary).toContain('requests cpu 2 and all 3 nodes lack that much free cpu');
    expect(finding.summary).toContain('largest allocatable: cpu 3920m');
    expect(finding.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'spec', field: 'spec.containers[*].resources.requests.cpu', value: '2' }),
        { kind: 'node', node: 'ip-10-0-1-21.eu-west-1.compute.internal', detail: 'allocatable cpu 3920m (the Pod requests 2)' },
      ]),
    );
    expect(finding.remediation[0]?.text).toContain('podwhy sees node allocatable only');
    expect(finding.remediation[0]?.command).toBe('kubectl describe nodes | grep -A 8 "Allocated resources"');
  });

  it('explains fragmentation with numbers when the total suffices but no single node does', () => {
    const finding = onlyFinding('unschedulable/insufficient-resources/fragmentation-no-node-fits.yaml');

    expect(finding.summary).toBe(
      'Pod trino-coordinator-0 cannot be scheduled: it requests cpu 6, more than any single node can allocate ' +
        '(largest: worker-1 with cpu 3920m); the 3 nodes it may run on allocate cpu 11760m in total, so the capacity ' +
        'exists only spread over several nodes (fragmentation), and a Pod cannot be split across nodes.',
    );
    expect(finding.evidence).toEqual(
      expect.arrayContaining([
        { kind: 'spec', field: 'spec.containers[trino].resources.requests.cpu', value: '5500m' },
        { kind: 'spec', field: 'spec.containers[jmx-exporter].resources.requests.cpu', value: '500m' },
        expect.objectContaining({ kind: 'spec', field: 'spec.containers[*].resources.requests.cpu', value: '6' }),
      ]),
    );
    expect(finding.remediation[0]).toEqual({
      text: expect.stringContaining('to below 3920m'),
      command: 'kubectl -n analytics edit statefulset/trino-coordinator',
    });
  });

  it('ranks a mixed message by node count: 4 Insufficient memory beats 2 untolerated taints', () => {
    const finding = onlyFinding('unschedulable/insufficient-resources/mixed-memory-and-taint.yaml');

    expect(finding.summary).toContain('requests memory 12Gi and 4 of 6 nodes lack that much free memory');
    expect(finding.remediation.some((r) => r.text.startsWith('Also (taint, 2 nodes)') && r.snippet?.includes('key: "dedicated"'))).toBe(true);
  });

  it('says when no node offers an extended resource at all', () => {
    const finding = onlyFinding('unschedulable/insufficient-resources/gpu-not-advertised.yaml');

    expect(finding.summary).toBe('Pod train-resnet-4xq9z cannot be scheduled: it requests nvidia.com/gpu 1 and no node offers nvidia.com/gpu at all.');
  });

  it('reports quota used/hard from the ResourceQuota and the FailedCreate event on the ReplicaSet', () => {
    const finding = onlyFinding('unschedulable/quota-exceeded/replicaset-requests-cpu.yaml');

    expect(finding.summary).toBe(
      'ReplicaSet/web-5f7b9c8d6 cannot create Pods: ResourceQuota compute-quota is exhausted (requests.cpu: used 1800m + requested 500m = 2300m > hard 2).',
    );
    expect(finding.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'event', object: 'ReplicaSet/web-5f7b9c8d6', reason: 'FailedCreate', count: 14 }),
        { kind: 'quota', quota: 'compute-quota', resource: 'requests.cpu', used: '1800m', hard: '2', requested: '500m' },
        { kind: 'status', field: 'status.replicas', value: '2 of spec.replicas 3' },
      ]),
    );
    expect(finding.remediation).toEqual(
      expect.arrayContaining([
        { text: expect.stringContaining('requests.cpu from 2 to at least 2300m'), command: 'kubectl -n storefront edit resourcequota compute-quota' },
        { text: expect.stringContaining('200m is still free'), command: 'kubectl -n storefront set resources deployment/web --requests=cpu=200m' },
      ]),
    );
  });

  it('lists every exceeded resource of a multi-resource quota rejection and edits the CronJob', () => {
    const finding = onlyFinding('unschedulable/quota-exceeded/job-memory-two-resources.yaml');

    const quotas = finding.evidence.filter((e) => e.kind === 'quota');

    expect(quotas).toEqual([
      { kind: 'quota', quota: 'team-quota', resource: 'limits.memory', used: '7Gi', hard: '8Gi', requested: '2Gi' },
      { kind: 'quota', quota: 'team-quota', resource: 'requests.memory', used: '3584Mi', hard: '4Gi', requested: '1Gi' },
    ]);
    expect(finding.remediation.map((r) => r.command)).toContain('kubectl -n reporting edit cronjob/nightly-report');
  });

  it('treats an object-count quota as exhausted, not as something to lower per Pod', () => {
    const finding = onlyFinding('unschedulable/quota-exceeded/statefulset-pod-count.yaml');

    expect(finding.evidence).toContainEqual({ kind: 'quota', quota: 'pod-count', resource: 'pods', used: '10', hard: '10', requested: '1' });
    expect(finding.remediation.some((r) => r.text.includes('delete unused objects or scale other workloads down'))).toBe(true);
  });

  it('names the nodeSelector label no node has', () => {
    const finding = onlyFinding('unschedulable/node-selector/no-node-has-label.yaml');

    expect(finding.evidence).toContainEqual({ kind: 'spec', field: 'spec.nodeSelector.disktype', value: 'ssd', note: 'no node has label disktype' });
    expect(finding.remediation.map((r) => r.command)).toEqual(
      expect.arrayContaining(['kubectl label nodes <node-name> disktype=ssd', 'kubectl get nodes -L disktype']),
    );
  });

  it('spots a nodeSelector value that differs from the nodes only in case', () => {
    const finding = onlyFinding('unschedulable/node-selector/label-value-case-mismatch.yaml');

    expect(finding.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.nodeSelector.disktype',
      value: 'SSD',
      note: 'no node has disktype=SSD; nodes have disktype=ssd, disktype=hdd (ssd differs only in case)',
    });
    expect(finding.remediation[0]?.text).toContain('change nodeSelector disktype from "SSD" to "ssd"');
    expect(finding.remediation[0]?.text).toContain('db-node-1, db-node-2');
  });

  it('shows the anti-affinity term that rules the nodes out', () => {
    const finding = onlyFinding('unschedulable/affinity/pod-anti-affinity-hostname.yaml');

    expect(finding.summary).toContain('required pod anti-affinity (kubernetes.io/hostname) rules out 2 of 3 nodes');
    expect(finding.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]',
      value: 'topologyKey=kubernetes.io/hostname, labelSelector app=redis-ha',
    });
  });

  it('compares required node affinity with each node label', () => {
    const finding = onlyFinding('unschedulable/affinity/required-node-affinity-zone.yaml');

    expect(finding.evidence).toEqual(
      expect.arrayContaining([
        {
          kind: 'spec',
          field: 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]',
          value: 'topology.kubernetes.io/zone In [eu-west-1c]',
        },
        { kind: 'node', node: 'ip-10-0-12-9.eu-west-1.compute.internal', detail: 'topology.kubernetes.io/zone=eu-west-1b (does not match)' },
      ]),
    );
    expect(finding.remediation[0]?.command).toBe('kubectl get nodes -L topology.kubernetes.io/zone');
  });

  it('gives the exact toleration for the taint that blocks the most nodes', () => {
    const finding = onlyFinding('unschedulable/taint/dedicated-gpu-taint-primary.yaml');

    expect(finding.summary).toBe('Pod api-6f8d9c7b5-m2k8r cannot be scheduled: 4 of 6 nodes have a taint it does not tolerate: dedicated=gpu:NoSchedule.');
    expect(finding.remediation[0]?.text).toBe('Add a toleration for dedicated=gpu:NoSchedule to spec.template.spec.tolerations in Deployment/api if the Pod belongs on gpu-a, gpu-b, gpu-c, gpu-d:');
    expect(finding.remediation[0]?.snippet).toBe('tolerations:\n  - key: "dedicated"\n    operator: "Equal"\n    value: "gpu"\n    effect: "NoSchedule"');
    expect(finding.remediation[1]?.command).toBe('kubectl taint nodes gpu-a dedicated=gpu:NoSchedule-');
  });

  it('finds the taint on the nodes when the scheduler (v1.35+) no longer names it', () => {
    const finding = onlyFinding('unschedulable/taint/unnamed-taint-v135.yaml');

    expect(finding.evidence).toContainEqual({ kind: 'node', node: 'pay-1', detail: 'taint team=payments:NoSchedule (not tolerated by the Pod)' });
    expect(finding.summary).toContain('3 of 3 nodes have a taint it does not tolerate: team=payments:NoSchedule');
  });

  it('maps not-ready and unreachable taints to no-ready-nodes with the node conditions as evidence', () => {
    const finding = onlyFinding('unschedulable/no-ready-nodes/workers-not-ready.yaml');

    expect(finding.summary).toContain('worker-1, worker-2, worker-3 are NotReady (3 of 4 nodes rejected for readiness)');
    expect(finding.evidence).toContainEqual({
      kind: 'node',
      node: 'worker-1',
      detail: 'NotReady: Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.); taint node.kubernetes.io/unreachable:NoSchedule; taint node.kubernetes.io/unreachable:NoExecute',
    });
    expect(finding.remediation[0]?.command).toBe('kubectl describe node worker-1');
  });

  it('tells to uncordon cordoned nodes', () => {
    const finding = onlyFinding('unschedulable/no-ready-nodes/all-nodes-cordoned.yaml');

    expect(finding.remediation.map((r) => r.command)).toEqual(
      expect.arrayContaining(['kubectl uncordon pool-a-1', 'kubectl uncordon pool-a-2', 'kubectl uncordon pool-a-3']),
    );
  });
});

describe('unschedulable primary-cause rule', () => {
  it('breaks a tie in node count by the filter that runs first (taints before resources)', () => {
    const yaml = pendingPod({ message: '0/4 nodes are available: 2 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.' });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'taint', otherCauses: ['insufficient-resources'] });
  });

  it('counts the nodes of several readiness taints together against a single other taint', () => {
    const yaml = pendingPod({
      message:
        '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.',
    });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'no-ready-nodes', otherCauses: ['taint'] });
  });

  it('reports a cluster without nodes as no-ready-nodes', () => {
    // source: kubernetes pkg/scheduler/schedule_one.go — ErrNoNodesAvailable.
    const yaml = pendingPod({ message: 'no nodes available to schedule pods' });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'no-ready-nodes', otherCauses: [], summary: 'Pod app-0 cannot be scheduled: the cluster has no nodes at all (no nodes available to schedule pods).' });
  });

  it('does not double-count the generic pod affinity reason of older schedulers', () => {
    const yaml = pendingPod({
      message: "0/5 nodes are available: 3 Insufficient memory, 2 node(s) didn't match pod affinity/anti-affinity, 2 node(s) didn't match pod anti-affinity rules.",
    });

    const [finding] = findingsOf(snapshotsFrom(yaml));

    expect(finding).toMatchObject({ cause: 'insufficient-resources', otherCauses: ['affinity'] });
  });
});

describe('unschedulable stays silent', () => {
  it.each(['healthy/unschedulable-just-scheduled.yaml', 'healthy/unschedulable-quota-recovered.yaml', 'healthy/running-deployment-pod.yaml'])(
    'on %s',
    (path) => {
      const findings = findingsOf(loadFixture(path));

      expect(findings).toEqual([]);
    },
  );

  it('but answers a Pod unschedulable for less than unschedulableAfterSeconds as settling', () => {
    const yaml = pendingPod({ message: '0/3 nodes are available: 3 Insufficient cpu.', since: '2026-11-20T11:59:40Z' });

    const young = findingsOf(snapshotsFrom(yaml));
    const withLowerThreshold = findingsOf(snapshotsFrom(yaml), { ...DEFAULT_ENGINE_SETTINGS, unschedulableAfterSeconds: 10 });
    const fiveSeconds = findingsOf(loadFixture('healthy/unschedulable-pending-5s.yaml'));

    expect(young).toMatchObject([{ cause: 'insufficient-resources', settling: { state: 'Pending', forSeconds: 20, alertAfterSeconds: 30 } }]);
    expect(fiveSeconds).toMatchObject([{ cause: 'insufficient-resources', settling: { forSeconds: 5 } }]);
    expect(withLowerThreshold.map((f) => f.cause)).toEqual(['insufficient-resources']);
    expect(withLowerThreshold[0]).not.toHaveProperty('settling');
  });

  it('on a Succeeded Pod', () => {
    const yaml = pendingPod({ message: '0/3 nodes are available: 3 Insufficient cpu.', phase: 'Succeeded' });

    expect(findingsOf(snapshotsFrom(yaml))).toEqual([]);
  });

  it('on a Pod held by scheduling gates (reason SchedulingGated, not Unschedulable)', () => {
    // source: kubernetes pkg/registry/core/pod/strategy.go — applySchedulingGatedCondition():
    // reason v1.PodReasonSchedulingGated, message "Scheduling is blocked due to non-empty scheduling gates".
    const yaml = pendingPod({ message: 'Scheduling is blocked due to non-empty scheduling gates', reason: 'SchedulingGated' });

    expect(findingsOf(snapshotsFrom(yaml))).toEqual([]);
  });

  it('on a PVC-binding FailedScheduling, which belongs to dependency.volume', () => {
    // source: kubernetes pkg/scheduler/framework/plugins/volumebinding/binder.go — ErrUnboundImmediatePVC (PreFilter message, no count).
    const yaml = pendingPod({
      message: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    });

    expect(findingsOf(snapshotsFrom(yaml))).toEqual([]);
  });

  it('on a volume node affinity conflict mixed with other reasons', () => {
    // source: kubernetes pkg/scheduler/framework/plugins/volumebinding/binder.go — ErrReasonNodeConflict.
    const yaml = pendingPod({ message: '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had volume node affinity conflict.' });

    expect(findingsOf(snapshotsFrom(yaml))).toEqual([]);
  });

  it('on a workload whose FailedCreate is not about quota (admission belongs to container-create)', () => {
    // source: kubernetes plugin/pkg/admission/serviceaccount/admission.go ("error looking up service account %s/%s: %w").
    const yaml = `
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web-5f7b9c8d6, namespace: storefront, uid: 00000000-0000-4000-8000-0000000000aa }
spec: { replicas: 2 }
status: { replicas: 0 }
---
apiVersion: v1
kind: Event
metadata: { name: web-5f7b9c8d6.1, namespace: storefront }
involvedObject: { apiVersion: apps/v1, kind: ReplicaSet, name: web-5f7b9c8d6, namespace: storefront, uid: 00000000-0000-4000-8000-0000000000aa }
type: Warning
reason: FailedCreate
message: 'Error creating: pods "web-5f7b9c8d6-" is forbidden: error looking up service account storefront/web-sa: serviceaccount "web-sa" not found'
count: 12
firstTimestamp: "2026-11-20T11:30:00Z"
lastTimestamp: "2026-11-20T11:58:00Z"
source: { component: replicaset-controller }
`;

    expect(findingsOf(snapshotsFrom(yaml))).toEqual([]);
  });

  it('on a workload with no FailedCreate at all', () => {
    const findings = findingsOf(loadFixture('unschedulable/insufficient-resources/cpu-all-nodes-full.yaml').filter((s) => s.kind === 'Workload'));

    expect(findings).toEqual([]);
  });
});

describe('podRequests', () => {
  it('sums app containers and sidecars, and takes at least the largest init container step', () => {
    const [snapshot] = snapshotsFrom(`
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: n }
spec:
  initContainers:
    - { name: sidecar, restartPolicy: Always, resources: { requests: { cpu: 200m } } }
    - { name: migrate, resources: { requests: { cpu: "3", memory: 1Gi } } }
  containers:
    - { name: a, resources: { requests: { cpu: "1", memory: 2Gi } } }
    - { name: b, resources: { requests: { cpu: 500m } } }
`);
    if (snapshot?.kind !== 'Pod') throw new Error('expected a Pod snapshot');

    const requests = podRequests(snapshot.pod);

    // cpu: max(1 + 0.5 + 0.2 sidecar, 3 + 0.2 sidecar running alongside) = 3.2; memory: max(2Gi, 1Gi) = 2Gi.
    expect(Object.fromEntries(requests)).toEqual({ cpu: 3.2, memory: 2 * 2 ** 30 });
  });
});
