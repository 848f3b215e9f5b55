import { describe, expect, it } from 'vitest';
import { classifyAll, parseSchedulerMessage } from '../../../src/diagnosis/scenarios/unschedulable-message.ts';

// Messages as kube-scheduler writes them: pkg/scheduler/framework/types.go FitError.Error() — "0/N nodes are
// available:", then " %v." per section (PreFilter message or the sorted histogram, then the PostFilter message).
describe('parseSchedulerMessage', () => {
  it('splits the histogram into counted reasons and keeps the preemption part apart', () => {
    const parsed = parseSchedulerMessage(
      '0/6 nodes are available: 2 Insufficient cpu, 4 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
        'preemption: 0/6 nodes are available: 2 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.',
    );

    expect(parsed).toEqual({
      totalNodes: 6,
      reasons: [
        { count: 2, text: 'Insufficient cpu' },
        { count: 4, text: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
      ],
      postFilter: 'preemption: 0/6 nodes are available: 2 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling',
    });
  });

  it('reads the v1.34+ form with the DRA note before preemption', () => {
    const parsed = parseSchedulerMessage(
      '0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );

    expect(parsed.reasons).toEqual([
      { count: 1, text: 'node(s) had untolerated taint(s)' },
      { count: 2, text: 'Insufficient cpu' },
    ]);
    expect(parsed.postFilter).toMatch(/^no new claims to deallocate, preemption:/);
  });

  it('treats a PreFilter message (no count) as applying to every node', () => {
    const parsed = parseSchedulerMessage('0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');

    const classified = classifyAll(parsed);

    expect(classified).toEqual([expect.objectContaining({ count: 3, category: 'volume' })]);
  });

  it('reads the old "taint {k: v}, that the pod didn\'t tolerate" wording with its inner comma', () => {
    const parsed = parseSchedulerMessage("0/6 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 5 Insufficient memory.");

    const classified = classifyAll(parsed);

    expect(classified).toEqual([
      expect.objectContaining({ count: 1, category: 'taint', taint: { key: 'node-role.kubernetes.io/master', value: '' } }),
      expect.objectContaining({ count: 5, category: 'resources', resource: 'memory' }),
    ]);
  });

  it('recognises the cluster with no nodes at all', () => {
    const parsed = parseSchedulerMessage('no nodes available to schedule pods');

    expect(classifyAll(parsed)).toEqual([expect.objectContaining({ category: 'node-readiness', count: 0 })]);
  });

  it('returns an unknown shape as one unclassified reason', () => {
    const parsed = parseSchedulerMessage('running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition');

    expect(classifyAll(parsed)).toEqual([expect.objectContaining({ category: 'unknown' })]);
  });
});

describe('classifyAll', () => {
  it.each([
    ['Too many pods', 'resources'],
    ['Insufficient ephemeral-storage', 'resources'],
    ["node(s) didn't have free ports for the requested pod ports", 'resources'],
    ["node(s) didn't match Pod's node affinity/selector", 'node-selection'],
    ["node(s) didn't match node selector", 'node-selection'],
    ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }', 'node-readiness'],
    ['node(s) had untolerated taint {dedicated: gpu}', 'taint'],
    ['node(s) were unschedulable', 'node-readiness'],
    ["node(s) didn't match pod affinity rules", 'pod-affinity'],
    ["node(s) didn't satisfy existing pods anti-affinity rules", 'pod-affinity'],
    ["node(s) didn't match pod topology spread constraints (missing required label)", 'topology-spread'],
    ['node(s) had volume node affinity conflict', 'volume'],
    ["node(s) didn't find available persistent volumes to bind", 'volume'],
    ['node is filtered out by the prefilter result', 'targeting'],
  ])('%s → %s', (text, category) => {
    const [classified] = classifyAll({ totalNodes: 3, reasons: [{ count: 1, text }], postFilter: null });

    expect(classified?.category).toBe(category);
  });
});
