import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import type { PodSnapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { containerExit } from '../../../src/diagnosis/scenarios/container-exit.ts';
import { livenessProbe } from '../../../src/diagnosis/scenarios/liveness-probe.ts';
import { containerStatus, podSnapshot } from '../../support/fixtures.ts';

const WRONG_PORT = 'liveness-probe/failed/wrong-port-refused-137.yaml';

/**
 * WRONG_PORT ~30 s into its next crash cycle: the kubelet restarted web at 11:59:26 (after the back-off), the
 * third refused probe came at 11:59:56 and the kubelet recorded Killing; the container is still running
 * through its 30 s grace period, so the last termination on record is the previous instance's (11:57:51).
 */
function killInFlight(snapshot: PodSnapshot): PodSnapshot {
  const status = containerStatus(snapshot, 'web');
  status.state = { running: { startedAt: '2026-11-20T11:59:26Z' } };
  status.restartCount = 5;
  for (const event of snapshot.events) {
    if (event.reason === 'Killing') Object.assign(event, { count: 5, lastTimestamp: '2026-11-20T11:59:56Z' });
    if (event.reason === 'Unhealthy') Object.assign(event, { count: 15, lastTimestamp: '2026-11-20T11:59:56Z' });
  }
  return snapshot;
}
const TIMEOUT = 'liveness-probe/failed/timeout-cpu-limit.yaml';
const STARTUP = 'liveness-probe/failed/startup-probe-503.yaml';
const EXEC = 'liveness-probe/failed/exec-probe-missing-file.yaml';

describe('liveness-probe detector', () => {
  it.each([
    [WRONG_PORT, /kills container web .* after 61s because its liveness probe fails \(connection refused on 10\.244\.1\.7:9999\); it probes port 9999, which the container does not expose \(port 8080 \(http\)\); 4 restarts, now in CrashLoopBackOff/],
    [TIMEOUT, /its liveness probe fails \(no answer within timeoutSeconds=1\); timeoutSeconds is 1s; its CPU limit is only 100m; 2 restarts/],
    [STARTUP, /its startup probe fails \(HTTP 503 from \/actuator\/health\/liveness\); it was killed after 36s, when its start-up budget of 30s/],
    [EXEC, /its liveness probe fails \(command `cat \/tmp\/healthy` exited non-zero: cat: can't open '\/tmp\/healthy': No such file or directory\)/],
  ] as const)('%s is liveness-probe.failed with a summary that says which failure', (path, summary) => {
    const snapshot = podSnapshot(path);

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'liveness-probe', cause: 'failed', otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', reason: 'Killing', message: expect.stringMatching(/failed (liveness|startup) probe, will be restarted$/) }));
  });

  it('explains that the 137 is the kubelet kill, not an OOM kill', () => {
    const snapshot = podSnapshot(WRONG_PORT);

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'exit-code', container: 'web', exitCode: 137, reason: 'Error', ranForSeconds: 61, meaning: expect.stringContaining('not OOMKilled') }),
    );
  });

  it('shows the probe, the undeclared port and the fix', () => {
    const snapshot = podSnapshot(WRONG_PORT);

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.containers[web].livenessProbe',
      value: 'http-get http://:9999/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
    });
    expect(finding?.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.containers[web].livenessProbe.httpGet.port',
      value: '9999',
      note: 'container web declares port 8080 (http)',
    });
    expect(finding?.remediation).toContainEqual({ text: 'Change spec.containers[web].livenessProbe.httpGet.port from 9999 to 8080 (the port the app listens on).' });
    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'rediagnose']);
  });

  it('shows the timeout and CPU limit as the reasons of a timed-out probe', () => {
    const snapshot = podSnapshot(TIMEOUT);

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'spec', field: 'spec.containers[pricing].livenessProbe.timeoutSeconds', value: '1' }));
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'spec', field: 'spec.containers[pricing].resources.limits.cpu', value: '100m' }));
  });

  it('names a slow start-up from the app log when it exceeds the probe budget', () => {
    const snapshot = podSnapshot(WRONG_PORT);
    const container = snapshot.pod.spec.containers[0];
    if (!container?.livenessProbe?.httpGet) throw new Error('fixture changed');
    container.livenessProbe.httpGet.port = 8080;
    snapshot.logs = [
      {
        container: 'web',
        previous: true,
        lines: ['INFO Starting WebApplication using Java 21', 'INFO Started WebApplication in 48.2 seconds (process running for 49.5)'],
      },
    ];

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.summary).toContain('the app needs 48s to start but the probe gives it about 30s');
    expect(finding?.evidence).toContainEqual({ kind: 'log', container: 'web', previous: true, line: 'INFO Started WebApplication in 48.2 seconds (process running for 49.5)' });
    expect(finding?.remediation.some((r) => r.text.startsWith('Add a startupProbe to spec.containers[web]'))).toBe(true);
  });

  it('still recognises the kill from Unhealthy events and exit 137 once the Killing event has expired', () => {
    const snapshot = podSnapshot(WRONG_PORT);
    snapshot.events = snapshot.events.filter((e) => e.reason !== 'Killing');

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'failed' });
  });

  it('does not blame the probe for a later crash of another instance (exit 1 after the last kill)', () => {
    const snapshot = podSnapshot(WRONG_PORT);
    const status = containerStatus(snapshot, 'web');
    status.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-20T11:59:00Z', finishedAt: '2026-11-20T11:59:03Z' } };

    const liveness = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);
    const exit = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(liveness).toBeNull();
    expect(exit).toMatchObject({ cause: 'immediate' });
  });

  it('reports a kill still in flight (Killing after the running instance started) as liveness-probe, not as the previous exit', () => {
    const snapshot = killInFlight(podSnapshot(WRONG_PORT));

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'liveness-probe', cause: 'failed' });
    expect(finding?.summary).toBe(
      'The kubelet is killing container web of Pod web-6f9c8d7b5-x2kqp after 30s because its liveness probe fails (connection refused on 10.244.1.7:9999); ' +
        'it probes port 9999, which the container does not expose (port 8080 (http)); 5 restarts (the running instance is being stopped: it exits within its 30s grace period).',
    );
    expect(finding?.evidence).toEqual(
      expect.arrayContaining([
        {
          kind: 'status',
          field: 'status.containerStatuses[web].state.running.startedAt',
          value: '2026-11-20T11:59:26Z (the kubelet killed this instance 30s after it started; it stops within terminationGracePeriodSeconds=30s and exits 137 or 143, then restarts)',
        },
        expect.objectContaining({ kind: 'exit-code', exitCode: 137, finishedAt: '2026-11-20T11:57:51Z', meaning: expect.stringMatching(/the previous instance's exit$/) }),
        expect.objectContaining({ kind: 'event', reason: 'Killing', count: 5, ageSeconds: 4 }),
      ]),
    );
    expect(finding?.remediation.at(-1)?.command).toBe('kubectl -n shop logs web-6f9c8d7b5-x2kqp -c web');
  });

  it('keeps container-exit silent and the engine on liveness-probe while the kill is in flight', () => {
    const snapshot = killInFlight(podSnapshot(WRONG_PORT));

    const exit = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);
    const diagnosis = diagnose(snapshot);

    expect(exit).toBeNull();
    expect(diagnosis?.cause).toBe('liveness-probe.failed');
  });

  it('reports the first kill of a container that has never restarted while it is in flight', () => {
    const snapshot = killInFlight(podSnapshot(WRONG_PORT));
    const status = containerStatus(snapshot, 'web');
    status.restartCount = 0;
    delete status.lastState;

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.summary).toMatch(/^The kubelet is killing container web .* after 30s because its liveness probe fails .*; 0 restarts \(the running instance is being stopped/);
    expect(finding?.evidence.some((e) => e.kind === 'exit-code')).toBe(false);
  });

  it('does not take a kill from before the running instance started for a kill in flight', () => {
    // The previous instance was killed at 11:59:20, exited at once and was restarted at 11:59:26.
    const snapshot = podSnapshot(WRONG_PORT);
    const status = containerStatus(snapshot, 'web');
    status.state = { running: { startedAt: '2026-11-20T11:59:26Z' } };
    delete status.lastState;
    const killing = snapshot.events.find((e) => e.reason === 'Killing');
    if (!killing) throw new Error('fixture changed');
    killing.lastTimestamp = '2026-11-20T11:59:20Z';

    const finding = livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toBeNull();
  });

  it('stays silent on an OOMKilled 137 (the near-miss of a liveness kill)', () => {
    const snapshot = podSnapshot('oom/container-limit/jvm-heap-over-limit.yaml');

    expect(livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a 137 from a forced stop with no probe events', () => {
    const snapshot = podSnapshot('container-exit/after-running/force-kill-137.yaml');

    expect(livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a liveness kill 40 minutes ago on a Pod that is Ready now', () => {
    const snapshot = podSnapshot('healthy/probe-old-liveness-kill-ready.yaml');

    expect(livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a readiness-only failure (readiness never kills)', () => {
    const snapshot = podSnapshot('readiness-probe/failed/http-503-dependency.yaml');

    expect(livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a healthy Pod', () => {
    const snapshot = podSnapshot('healthy/running-deployment-pod.yaml');

    expect(livenessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('is what the engine reports for a liveness kill with exit 137, not oom or container-exit', () => {
    const snapshot = podSnapshot(WRONG_PORT);

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('liveness-probe.failed');
  });
});

describe('liveness-probe from events alone, in every kubelet wording', () => {
  it("reads the pre-1.15 Killing wording and a missing lastState, with readiness as another cause", () => {
    const diagnosis = diagnose(podSnapshot('liveness-probe/failed/no-laststate-old-kubelet-killing.yaml'));

    expect(diagnosis).toMatchObject({ cause: 'liveness-probe.failed', otherCauses: ['readiness-probe.failed'] });
    expect(diagnosis?.summary).toContain('exit code unknown: the kubelet did not report the last termination');
    expect(diagnosis?.summary).toContain('Its readiness probe fails too');
  });

  it('counts a startup-probe kill as a liveness-probe failure', () => {
    const diagnosis = diagnose(podSnapshot('liveness-probe/failed/startup-probe-kill-no-laststate.yaml'));

    expect(diagnosis?.cause).toBe('liveness-probe.failed');
    expect(diagnosis?.summary).toContain('because its startup probe fails (connection refused on 10.244.1.9:8080)');
  });
});
