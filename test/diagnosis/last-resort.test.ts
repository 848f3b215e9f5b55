import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/contract/settings.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { lastResort } from '../../src/diagnosis/last-resort.ts';
import { containerStatus, listFixtures, loadFixture, podSnapshot } from '../support/fixtures.ts';

const DEADLINE = 'container-create/bad-command/last-resort-create-deadline-exceeded.yaml';

describe('the last-resort rule', () => {
  it('answers a container in an error state that no detector recognises, with the raw reason and message', () => {
    const diagnosis = diagnose(podSnapshot(DEADLINE));

    expect(diagnosis).toMatchObject({ cause: 'container-create.bad-command', lastResort: true });
    expect(diagnosis?.summary).toContain('is CreateContainerError: "context deadline exceeded". podwhy does not recognise this message');
    expect(diagnosis?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'status.containerStatuses[stream].state.waiting.reason', value: 'CreateContainerError' },
      { kind: 'status', field: 'status.containerStatuses[stream].state.waiting.message', value: 'context deadline exceeded' },
      expect.objectContaining({ kind: 'event', reason: 'Failed', message: 'Error: context deadline exceeded' }),
    ]));
  });

  it('marks a Pod not Ready for less than notReadyAfterSeconds as settling', () => {
    const snapshot = podSnapshot(DEADLINE, '2026-11-20T11:52:31Z');

    expect(diagnose(snapshot)).toMatchObject({ lastResort: true, settling: { state: 'CreateContainerError', forSeconds: 30, alertAfterSeconds: 60 } });
  });

  it('picks the scenario by the raw reason: an init container looping on an unknown reason is init.failed', () => {
    const snapshot = podSnapshot('healthy/init-running-under-threshold.yaml');
    expect(containerStatus(snapshot, 'search').state?.waiting?.reason).toBe('PodInitializing'); // normal, not the error
    const init = snapshot.pod.status?.initContainerStatuses?.[0];
    if (!init) throw new Error('fixture changed');
    init.state = { waiting: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } };

    const finding = lastResort(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'init', cause: 'failed' });
  });

  it('stays out of the way of normal start-up states and Ready Pods', () => {
    for (const path of ['healthy/running-deployment-pod.yaml', 'healthy/image-pull-pulling-5s.yaml', 'healthy/exit-job-succeeded.yaml']) {
      expect(lastResort(podSnapshot(path), DEFAULT_ENGINE_SETTINGS)).toBeNull();
    }
  });

  it('never answers a fixture a detector recognises (only the deliberately unrecognised one is last-resort)', () => {
    const lastResorts = listFixtures()
      .flatMap((f) => loadFixture(f.path).map((s) => ({ path: f.path, diagnosis: diagnose(s) })))
      .filter(({ diagnosis }) => diagnosis?.lastResort)
      .map(({ path }) => path);

    expect(lastResorts).toEqual([DEADLINE]);
  });
});
