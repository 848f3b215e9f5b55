import { describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../src/contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../src/contract/snapshot.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { isPlainlyHealthy } from '../../src/diagnosis/healthy.ts';
import { DETECTORS } from '../../src/diagnosis/scenarios/index.ts';
import { containerStatus, listFixtures, loadFixture, podSnapshot } from '../support/fixtures.ts';

// The early exit is only sound if every detector agrees: a copy of the detector list makes the engine run them all.
const everyDetector = [...DETECTORS];
const MOMENTS = ['2026-11-20T12:00:00Z', '2026-11-20T12:10:30Z', '2026-11-22T12:00:00Z'];
const RUNNING = 'healthy/running-deployment-pod.yaml';

describe('isPlainlyHealthy (the engine\'s early exit)', () => {
  it('holds only where every detector and the last-resort rule find nothing, across the fixture corpus', () => {
    const gated: string[] = [];
    const wrong: string[] = [];
    for (const fixture of listFixtures()) {
      for (const moment of MOMENTS) {
        for (const snapshot of loadFixture(fixture.path, moment)) {
          for (const variant of [snapshot, { ...snapshot, events: [] } as Snapshot]) {
            if (!isPlainlyHealthy(variant, DEFAULT_ENGINE_SETTINGS)) continue;
            gated.push(fixture.path);
            if (diagnose(variant, DEFAULT_ENGINE_SETTINGS, everyDetector) !== null) wrong.push(`${fixture.path} @${moment}`);
          }
        }
      }
    }

    expect(wrong).toEqual([]);
    // Not vacuous: the plain healthy fixtures take the early exit.
    expect(gated).toEqual(expect.arrayContaining([RUNNING, 'healthy/init-completed.yaml', 'healthy/exit-old-restart-ready.yaml']));
  });

  it('takes a Ready, running Pod with only start-up events', () => {
    expect(isPlainlyHealthy(podSnapshot(RUNNING), DEFAULT_ENGINE_SETTINGS)).toBe(true);
  });

  const killing: KubeEvent = {
    metadata: { name: 'web.3', namespace: 'shop' },
    involvedObject: { kind: 'Pod', name: 'web-7d9f8b6c5-x2x9k', namespace: 'shop', fieldPath: 'spec.containers{web}' },
    type: 'Normal',
    reason: 'Killing',
    message: 'Container web failed liveness probe, will be restarted',
    lastTimestamp: '2026-11-20T11:59:50Z',
  };
  const edits: [string, (s: PodSnapshot) => void][] = [
    ['being deleted', (s) => { s.pod.metadata.deletionTimestamp = '2026-11-20T11:59:00Z'; }],
    ['a Killing event (a liveness kill in progress)', (s) => { s.events.push(killing); }],
    ['a Warning event', (s) => { s.events.push({ ...killing, type: 'Warning', reason: 'FailedPreStopHook' }); }],
    ['a DisruptionTarget condition', (s) => { s.pod.status!.conditions!.push({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }); }],
    ['a readiness gate not True', (s) => { s.pod.status!.conditions!.push({ type: 'example.com/gate', status: 'False' }); }],
    ['a container not Ready', (s) => { containerStatus(s, 'web').ready = false; }],
    ['a container waiting', (s) => { containerStatus(s, 'web').state = { waiting: { reason: 'CrashLoopBackOff' } }; }],
    ['a restart a minute ago', (s) => {
      containerStatus(s, 'web').lastState = { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-11-20T11:00:00Z', finishedAt: '2026-11-20T11:59:00Z' } };
    }],
    ['its node NotReady', (s) => { s.node = { ...s.node!, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }; }],
    ['status.reason NodeLost', (s) => { s.pod.status!.reason = 'NodeLost'; }],
    ['phase Pending', (s) => { s.pod.status!.phase = 'Pending'; }],
  ];

  it.each(edits)('leaves a Pod with %s to the detectors', (_label, edit) => {
    const snapshot = podSnapshot(RUNNING);
    edit(snapshot);

    expect(isPlainlyHealthy(snapshot, DEFAULT_ENGINE_SETTINGS)).toBe(false);
  });

  it('gives the same answer as running every detector, for each of those edits', () => {
    for (const [label, edit] of edits) {
      const snapshot = podSnapshot(RUNNING);
      edit(snapshot);

      expect({ label, diagnosis: diagnose(snapshot) }).toEqual({ label, diagnosis: diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, everyDetector) });
    }
  });
});
