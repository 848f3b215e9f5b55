import { describe, expect, it } from 'vitest';
import type { Detector } from '../../src/diagnosis/detector.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/contract/settings.ts';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';

const snapshot: PodSnapshot = {
  kind: 'Pod',
  observedAt: '2026-11-20T12:00:00Z',
  pod: { metadata: { name: 'api-1', namespace: 'shop', uid: 'u-1' }, spec: { containers: [{ name: 'api' }] } },
  owners: [],
  events: [],
  nodes: [],
  quotas: [],
  pvcs: [],
  logs: [],
};

function detectorQuoting(message: string, line: string, args: string): Detector<'container-exit'> {
  return {
    scenario: 'container-exit',
    detect: () => ({
      scenario: 'container-exit',
      cause: 'immediate',
      otherCauses: ['immediate', 'after-running'],
      summary: 'Container api exits at start-up.',
      evidence: [
        { kind: 'event', object: 'Pod/api-1', type: 'Warning', reason: 'BackOff', message, count: 3, ageSeconds: 5 },
        { kind: 'log', container: 'api', previous: true, line },
        { kind: 'spec', field: 'spec.containers[api].args', value: args },
      ],
      remediation: [{ text: 'Read the log.', command: 'kubectl -n shop logs api-1 --previous' }],
      actions: [],
    }),
  };
}

describe('engine.diagnose', () => {
  it('bounds every evidence string that quotes the cluster, whatever a detector copied in', () => {
    const huge = `panic: ${'x'.repeat(50_000)}`;

    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [detectorQuoting(huge, huge, '--serve')]);

    for (const item of diagnosis!.evidence) {
      for (const value of Object.values(item)) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(2_000);
    }
    expect(diagnosis!.evidence[0]).toMatchObject({ kind: 'event', reason: 'BackOff', count: 3 });
  });

  it('masks secrets in quoted log lines, event messages and container arguments', () => {
    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [
      detectorQuoting('auth failed with token=abc123secret', 'connecting with xoxb-1234-5678-abcdef', '--api-key=AKIAABCDEFGHIJKLMNOP --port=8080'),
    ]);

    const text = JSON.stringify(diagnosis);
    for (const secret of ['abc123secret', 'xoxb-1234-5678-abcdef', 'AKIAABCDEFGHIJKLMNOP']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('--port=8080');
  });

  it('gives full cause ids and drops the primary from otherCauses', () => {
    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [detectorQuoting('m', 'l', 'a')]);

    expect(diagnosis).toMatchObject({ cause: 'container-exit.immediate', otherCauses: ['container-exit.after-running'], subject: { kind: 'Pod', namespace: 'shop', name: 'api-1', uid: 'u-1' } });
  });
});

function detectorFinding(scenario: 'unschedulable' | 'container-exit', settling: boolean, summary = 'Something is wrong.'): Detector {
  return {
    scenario,
    detect: () => ({
      scenario,
      cause: scenario === 'unschedulable' ? 'insufficient-resources' : 'immediate',
      otherCauses: [],
      summary,
      evidence: [],
      remediation: [],
      actions: [],
      ...(settling ? { settling: { state: 'Pending', forSeconds: 12, alertAfterSeconds: 30 } } : {}),
    }),
  } as Detector;
}

describe('engine.diagnose: settling findings', () => {
  it('answers with a settling finding and says how long the Pod has been in that state', () => {
    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [detectorFinding('unschedulable', true, 'Pod api-1 cannot be scheduled.')]);

    expect(diagnosis).toMatchObject({ cause: 'unschedulable.insufficient-resources', settling: { state: 'Pending', forSeconds: 12, alertAfterSeconds: 30 } });
    expect(diagnosis?.summary).toBe('Pod api-1 cannot be scheduled. Pending for 12s — may still recover (podwhy alerts on it after 30s).');
  });

  it('prefers a later definitive finding over an earlier settling one, as the alert path did before the flag', () => {
    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [detectorFinding('unschedulable', true), detectorFinding('container-exit', false)]);

    expect(diagnosis?.cause).toBe('container-exit.immediate');
    expect(diagnosis).not.toHaveProperty('settling');
  });

  it('keeps the first settling finding when nothing definitive follows', () => {
    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [detectorFinding('unschedulable', true), detectorFinding('container-exit', true)]);

    expect(diagnosis?.cause).toBe('unschedulable.insufficient-resources');
  });
});

describe('engine.diagnose: summaries', () => {
  it('masks secrets in the summary with the same rule as evidence', () => {
    const summary = 'Container api exits right after start with exit code 1. Last telling log line: "connecting with password=hunter2secret failed".';

    const diagnosis = diagnose(snapshot, DEFAULT_ENGINE_SETTINGS, [detectorFinding('container-exit', false, summary)]);

    expect(diagnosis?.summary).not.toContain('hunter2secret');
    expect(diagnosis?.summary).toContain('password=[redacted]');
  });
});
