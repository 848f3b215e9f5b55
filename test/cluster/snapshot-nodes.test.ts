/**
 * buildSnapshots keeps its index of Nodes by name per array of Nodes (src/cluster/snapshot.ts nodesByName): the live
 * cache hands every snapshot the same array until a Node changes. These check that a remembered index never hides a
 * Node: an array filled further is indexed again, and a new array (the cache's after a change) is its own.
 */
import { describe, expect, it } from 'vitest';
import { buildPodSnapshot, buildSnapshots, classifyObjects, emptyObjectSet } from '../../src/cluster/snapshot.ts';
import type { Node, Pod } from '../../src/contract/k8s.ts';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';
import { fixtureObjects } from './helpers.ts';

const CRASH = 'container-exit/immediate/exit-1-config-error.yaml';
const OBSERVED_AT = '2026-11-20T12:00:00Z';

function crashSet() {
  return classifyObjects(fixtureObjects(CRASH));
}

function podSnapshotOf(set: ReturnType<typeof crashSet>): PodSnapshot {
  const snapshot = buildSnapshots(set, OBSERVED_AT).find((s): s is PodSnapshot => s.kind === 'Pod');
  if (!snapshot) throw new Error('no Pod snapshot');
  return snapshot;
}

function withoutNode(set: ReturnType<typeof crashSet>): { set: ReturnType<typeof crashSet>; node: Node } {
  const node = set.nodes.find((n) => n.metadata.name === 'node-b');
  if (!node) throw new Error('fixture has no node-b');
  return { set: { ...set, nodes: set.nodes.filter((n) => n !== node) }, node };
}

describe('buildSnapshots: the Pod\'s Node', () => {
  it('finds a Node pushed into the same array after an earlier snapshot', () => {
    const { set, node } = withoutNode(crashSet());
    expect(podSnapshotOf(set).node).toBeUndefined();

    set.nodes.push(node);

    expect(podSnapshotOf(set).node?.metadata.name).toBe('node-b');
  });

  it('reads a Node from the array it is given, not one indexed from an earlier array', () => {
    const set = crashSet();
    expect(podSnapshotOf(set).node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    // The cache replaces its array when a Node changes: here node-b turned NotReady.
    const notReady = set.nodes.map((n) =>
      n.metadata.name === 'node-b' ? { ...n, status: { ...n.status, conditions: [{ type: 'Ready', status: 'False', reason: 'NodeStatusUnknown' }] } } : n,
    );

    expect(podSnapshotOf({ ...set, nodes: notReady }).node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(podSnapshotOf(set).node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});

describe('buildPodSnapshot', () => {
  it('builds the same Pod snapshot as buildSnapshots, without the workload snapshots', () => {
    // The crashed Pod's ReplicaSet, which the fixture names only as its owner.
    const set = classifyObjects(
      [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: 'billing-worker-7c8d9e6f5', namespace: 'finance', uid: '8b0c2d4e-6f8a-4c0e-d2f4-4a6b8c0d2e34' },
          spec: { replicas: 1 },
          status: { replicas: 1, readyReplicas: 0 },
        },
      ],
      crashSet(),
    );
    const pod = set.pods[0] as Pod;
    expect(buildSnapshots(set, OBSERVED_AT).some((s) => s.kind === 'Workload')).toBe(true);

    expect(buildPodSnapshot(set, pod, OBSERVED_AT)).toEqual(podSnapshotOf(set));
  });

  it('builds a Pod with no Node known', () => {
    const set = emptyObjectSet();
    const pod = crashSet().pods[0] as Pod;
    set.pods.push(pod);

    expect(buildPodSnapshot(set, pod, OBSERVED_AT).node).toBeUndefined();
  });
});
