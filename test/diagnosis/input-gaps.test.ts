import { describe, expect, it } from 'vitest';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { inputGaps } from '../../src/diagnosis/input-gaps.ts';
import { loadFixture } from '../support/fixtures.ts';

function gaps(path: string, source: 'dump' | 'cluster' = 'dump', edit: (s: ReturnType<typeof loadFixture>) => void = () => {}) {
  const snapshots = loadFixture(path);
  edit(snapshots);
  return inputGaps(snapshots, diagnoseAll(snapshots), source);
}

describe('inputGaps', () => {
  it('names a dump without Events', () => {
    const notes = gaps('container-exit/immediate/exit-127-crashloop.yaml', 'dump', (snapshots) => {
      for (const s of snapshots) s.events = [];
    });

    expect(notes).toEqual([expect.stringMatching(/^Note: the input holds no Events, so what only they record \(probe kills/)]);
  });

  it('names a dump without Nodes for a Pod bound to a node', () => {
    const notes = gaps('container-exit/immediate/exit-127-crashloop.yaml', 'dump', (snapshots) => {
      for (const s of snapshots) if (s.kind === 'Pod') { s.nodes = []; s.node = undefined; }
    });

    expect(notes).toEqual([expect.stringMatching(/^Note: the input holds no Nodes, so a lost or NotReady node/)]);
  });

  it('names the Pods the cluster has no Events about (they expire)', () => {
    const notes = gaps('container-exit/immediate/exit-127-crashloop.yaml', 'cluster', (snapshots) => {
      for (const s of snapshots) s.events = s.events.filter((e) => e.involvedObject.kind !== 'Pod');
    });

    expect(notes).toEqual([expect.stringContaining('the cluster has no Events about Pod api-5f6d7c8b9-p2r4t (Events expire after an hour by default)')]);
  });

  it('says nothing when the input is complete, or the Pods are healthy', () => {
    expect(gaps('container-exit/immediate/exit-127-crashloop.yaml')).toEqual([]);
    expect(gaps('healthy/running-deployment-pod.yaml', 'dump', (snapshots) => {
      for (const s of snapshots) { s.events = []; s.nodes = []; }
    })).toEqual([]);
  });
});
