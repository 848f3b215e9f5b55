import { describe, expect, it } from 'vitest';
import { ALL_CAUSE_IDS } from '../../src/contract/scenarios.ts';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/contract/settings.ts';
import { diagnose, diagnoseAll } from '../../src/diagnosis/engine.ts';
import { listFixtures, loadFixture } from '../support/fixtures.ts';

// The fixture corpus is the engine's acceptance test: the directory a fixture lives in names the one
// diagnosis it must produce (test/fixtures/k8s/<scenario>/<cause>/), and healthy/ fixtures must stay silent.
const fixtures = listFixtures();
const failing = fixtures.filter((f) => f.expectedCause !== null);
const healthy = fixtures.filter((f) => f.expectedCause === null);
/** The healthy/ fixtures that are young failures, and the cause a person asking about them hears. */
const SETTLING: Record<string, string> = {
  'healthy/dependency-containercreating-transient-mount.yaml': 'dependency.configmap',
  'healthy/dependency-pvc-binding-just-created.yaml': 'dependency.volume',
  'healthy/evicted-drain-in-progress.yaml': 'evicted.other',
  'healthy/image-pull-first-failure.yaml': 'image-pull.network',
  'healthy/init-running-under-threshold.yaml': 'init.failed',
  'healthy/probe-not-ready-startup.yaml': 'readiness-probe.failed',
  'healthy/terminating-just-past-grace.yaml': 'terminating.unresponsive',
  'healthy/unknown-node-notready-transient.yaml': 'unknown.node-lost',
  'healthy/unschedulable-pending-5s.yaml': 'unschedulable.insufficient-resources',
};

describe('fixture corpus', () => {
  it.each(failing.map((f) => [f.path, f.expectedCause] as const))('%s is diagnosed as %s, and only that', (path, expected) => {
    const diagnoses = diagnoseAll(loadFixture(path));

    expect(diagnoses.map((d) => d.cause)).toEqual([expected]);
    expect(diagnoses[0]?.settling).toBeUndefined();
  });

  // Healthy and transient fixtures raise nothing the alert path acts on. A transient failure (younger than its
  // threshold) is still answered when a person asks, marked settling, with its age in the summary.
  it.each(healthy.map((f) => [f.path] as const))('%s raises no alert', (path) => {
    const diagnoses = diagnoseAll(loadFixture(path));

    expect(diagnoses.filter((d) => !d.settling)).toEqual([]);
    const expected = SETTLING[path];
    expect(diagnoses.map((d) => d.cause)).toEqual(expected ? [expected] : []);
  });

  it.each(Object.entries(SETTLING))('%s is answered as settling %s, with how long the Pod has been in that state', (path, cause) => {
    const [diagnosis] = diagnoseAll(loadFixture(path));

    expect(diagnosis).toMatchObject({ cause, settling: { forSeconds: expect.any(Number) } });
    expect(diagnosis?.summary).toMatch(/ for \d+(s|m)\b.* — may still recover \(podwhy alerts on it after \d+(s|m)\)\.$/);
  });

  // Never silent on a broken Pod: a container in an error state, or a Pod not Ready past notReadyAfterSeconds, gets an
  // answer (settling when young), whichever directory its fixture lives in.
  it('answers every Pod with a container in an error state or not Ready past its gate', () => {
    const silent: string[] = [];
    for (const f of fixtures) {
      for (const snapshot of loadFixture(f.path)) {
        if (snapshot.kind !== 'Pod' || !looksBroken(snapshot)) continue;
        if (!diagnose(snapshot)) silent.push(`${f.path}: Pod ${snapshot.pod.metadata.name}`);
      }
    }

    expect(silent).toEqual([]);
  });

  it('has at least two fixtures for every cause id', () => {
    const counts = new Map<string, number>();
    for (const f of failing) counts.set(f.expectedCause ?? '', (counts.get(f.expectedCause ?? '') ?? 0) + 1);

    const thin = ALL_CAUSE_IDS.filter((id) => (counts.get(id) ?? 0) < 2);

    expect(thin).toEqual([]);
  });

  it('names only real cause ids in its directories', () => {
    const unknownIds = failing.map((f) => f.expectedCause).filter((id) => !ALL_CAUSE_IDS.includes(id as never));

    expect(unknownIds).toEqual([]);
  });
});

/** A container waiting for a reason that is not a normal start step, or terminated with an error; or not Ready past the gate. */
function looksBroken(snapshot: PodSnapshot): boolean {
  const pod = snapshot.pod;
  if (pod.status?.phase === 'Succeeded') return false;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const errorState = statuses.some((s) => {
    const waiting = s.state?.waiting?.reason;
    return (waiting !== undefined && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing') || (s.state?.terminated?.exitCode ?? 0) !== 0;
  });
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const notReadyFor = ready?.status === 'True' || !ready?.lastTransitionTime ? 0 : (Date.parse(snapshot.observedAt) - Date.parse(ready.lastTransitionTime)) / 1000;
  return errorState || notReadyFor > DEFAULT_ENGINE_SETTINGS.notReadyAfterSeconds;
}
