import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { containerExit } from '../../../src/diagnosis/scenarios/container-exit.ts';
import { containerStatus, podSnapshot } from '../../support/fixtures.ts';

const EXIT_127 = 'container-exit/immediate/exit-127-crashloop.yaml';
const EXIT_1 = 'container-exit/immediate/exit-1-config-error.yaml';
const EXIT_0 = 'container-exit/immediate/exit-0-no-foreground.yaml';
const SEGFAULT = 'container-exit/after-running/segfault-139-after-20m.yaml';
const FORCE_KILL = 'container-exit/after-running/force-kill-137.yaml';
const PANIC = 'container-exit/after-running/go-panic-exit-2.yaml';

describe('container-exit detector', () => {
  it.each([
    [EXIT_127, 'immediate', 'api', 127, 0, /exits right after start \(ran 0s\) with exit code 127 \(command not found\); 6 restarts, now in CrashLoopBackOff/],
    [EXIT_1, 'immediate', 'worker', 1, 2, /exits right after start \(ran 2s\) with exit code 1 \(application error\); 9 restarts/],
    [EXIT_0, 'immediate', 'toolbox', 0, 0, /exit code 0 \(success: the main process had nothing left to do\); 5 restarts/],
    [SEGFAULT, 'after-running', 'imgproc', 139, 1204, /exits after running 20m with exit code 139 \(SIGSEGV: segmentation fault\); 3 restarts/],
    [FORCE_KILL, 'after-running', 'ledger', 137, 2700, /exits after running 45m with exit code 137 \(SIGKILL from outside, not OOMKilled\)/],
    [PANIC, 'after-running', 'notifier', 2, 330, /exits after running 6m with exit code 2 \(bad arguments, or an unrecovered Go panic\)/],
  ] as const)('%s is container-exit.%s', (path, cause, container, exitCode, ranForSeconds, summary) => {
    const snapshot = podSnapshot(path);

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'container-exit', cause, otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'exit-code', container, exitCode, ranForSeconds }));
  });

  it('shows the command, the BackOff event and how to look inside the image for exit 127', () => {
    const snapshot = podSnapshot(EXIT_127);

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'spec', field: 'spec.containers[api].command', value: '["sh","-c","migrate --up && exec /app/server"]' });
    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'event', reason: 'BackOff', message: expect.stringMatching(/^Back-off restarting failed container api in pod api-5f6d7c8b9-p2r4t_shop\(/), count: 25 }),
    );
    expect(finding?.remediation[0]?.command).toBe('kubectl -n shop debug api-5f6d7c8b9-p2r4t -it --copy-to=api-5f6d7c8b9-p2r4t-debug --container=api -- sh');
    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'rediagnose']);
  });

  it('quotes the log line that explains the crash, from the previous instance', () => {
    const snapshot = podSnapshot(EXIT_127);
    snapshot.logs = [
      { container: 'api', previous: false, lines: [] },
      { container: 'api', previous: true, lines: ['starting api 1.9.0', 'sh: 1: migrate: not found'] },
    ];

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'log', container: 'api', previous: true, line: 'sh: 1: migrate: not found' });
    expect(finding?.summary).toContain('Last telling log line: "sh: 1: migrate: not found".');
  });

  it('picks the panic line over the noise around it', () => {
    const snapshot = podSnapshot(PANIC);
    snapshot.logs = [
      {
        container: 'notifier',
        previous: true,
        lines: [
          '2026/11/20 11:58:29 sent 120 notifications',
          'panic: runtime error: invalid memory address or nil pointer dereference',
          '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b1f2a]',
          'goroutine 42 [running]:',
        ],
      },
    ];

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'log', container: 'notifier', previous: true, line: 'panic: runtime error: invalid memory address or nil pointer dereference' });
  });

  it('suggests the rollout history for a segfault', () => {
    const snapshot = podSnapshot(SEGFAULT);

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[0]?.command).toBe('kubectl -n media rollout history deployment/imgproc');
  });

  it('reports a failed run-to-completion Pod (restartPolicy Never, exit 1)', () => {
    const snapshot = podSnapshot('healthy/exit-job-succeeded.yaml');
    if (snapshot.pod.status) snapshot.pod.status.phase = 'Failed';
    const status = containerStatus(snapshot, 'export');
    status.state = { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-20T02:00:03Z', finishedAt: '2026-11-20T02:04:11Z' } };

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'after-running' });
  });

  it('makes the earliest failure primary and lists the other container’s cause', () => {
    const snapshot = podSnapshot(SEGFAULT);
    snapshot.pod.spec.containers.push({ name: 'sidecar', image: 'registry.example.com/media/sidecar:1.0' });
    snapshot.pod.status?.containerStatuses?.push({
      name: 'sidecar',
      ready: false,
      restartCount: 4,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-20T11:58:00Z', finishedAt: '2026-11-20T11:58:01Z' } },
    });

    const finding = containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'immediate', otherCauses: ['after-running'] });
    expect(finding?.summary).toMatch(/^Container sidecar /);
  });

  it('stays silent on an OOMKilled 137 (oom explains it)', () => {
    const snapshot = podSnapshot('oom/container-limit/jvm-heap-over-limit.yaml');

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a liveness kill with exit 137 (liveness-probe explains it)', () => {
    const snapshot = podSnapshot('liveness-probe/failed/wrong-port-refused-137.yaml');

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent while a liveness kill of the running instance is in flight (Killing newer than the last termination)', () => {
    const snapshot = podSnapshot('liveness-probe/failed/wrong-port-refused-137.yaml');
    const status = containerStatus(snapshot, 'web');
    status.state = { running: { startedAt: '2026-11-20T11:59:26Z' } };
    const killing = snapshot.events.find((e) => e.reason === 'Killing');
    if (!killing) throw new Error('fixture changed');
    killing.lastTimestamp = '2026-11-20T11:59:56Z';

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a startup-probe kill with exit 143', () => {
    const snapshot = podSnapshot('liveness-probe/failed/startup-probe-503.yaml');

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent when the runtime could not start the process (StartError belongs to container-create)', () => {
    const snapshot = podSnapshot(EXIT_127);
    const terminated = containerStatus(snapshot, 'api').lastState?.terminated;
    if (!terminated) throw new Error('fixture changed');
    terminated.reason = 'StartError';
    terminated.exitCode = 128;

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent when the kubelet killed the container for a failed postStart hook', () => {
    const snapshot = podSnapshot(FORCE_KILL);
    snapshot.events.push({
      metadata: { name: 'ledger-5a4b3c2d1-q1w2e.1', namespace: 'finance' },
      involvedObject: { kind: 'Pod', name: 'ledger-5a4b3c2d1-q1w2e', namespace: 'finance', uid: snapshot.pod.metadata.uid, fieldPath: 'spec.containers{ledger}' },
      type: 'Normal',
      reason: 'Killing',
      message: 'FailedPostStartHook',
      count: 1,
      lastTimestamp: '2026-11-20T11:55:30Z',
    });

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it.each([
    ['healthy/exit-job-succeeded.yaml'],
    ['healthy/exit-old-restart-ready.yaml'],
    ['healthy/exit-init-completed.yaml'],
    ['healthy/oom-old-restart-ready.yaml'],
    ['healthy/running-deployment-pod.yaml'],
  ])('stays silent on %s', (path) => {
    const snapshot = podSnapshot(path);

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('treats a crash as history once the container has run longer than recentRestartSeconds', () => {
    const snapshot = podSnapshot(SEGFAULT, '2026-11-20T12:30:00Z');

    expect(containerExit.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('is what the engine reports for a 137 from a forced stop with no probe event, not oom or liveness-probe', () => {
    const snapshot = podSnapshot(FORCE_KILL);

    expect(diagnose(snapshot)?.cause).toBe('container-exit.after-running');
  });

  it('is what the engine reports for exit 127 in CrashLoopBackOff', () => {
    const snapshot = podSnapshot(EXIT_127);

    expect(diagnose(snapshot)?.cause).toBe('container-exit.immediate');
  });
});

describe('container-exit without lastState (an older kubelet, a kubelet just restarted)', () => {
  const PATH = 'container-exit/immediate/no-laststate-old-kubelet.yaml';

  it('diagnoses from the restarts and the back-off, and says the exit code is unknown', () => {
    const diagnosis = diagnose(podSnapshot(PATH));

    expect(diagnosis?.cause).toBe('container-exit.immediate');
    expect(diagnosis?.summary).toContain('exit code unknown: the kubelet did not report the last termination');
    expect(diagnosis?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', reason: 'BackOff', message: 'Back-off restarting failed container' }));
  });

  it('reads long runs between the back-offs as after-running', () => {
    const snapshot = podSnapshot(PATH);
    if (!snapshot.pod.status) throw new Error('fixture changed');
    snapshot.pod.status.startTime = '2026-11-20T09:00:00Z';

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('container-exit.after-running');
    expect(diagnosis?.summary).toMatch(/each run lasted about \d+(\.\d)?[mh]/);
  });
});
