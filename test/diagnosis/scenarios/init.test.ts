import { describe, expect, it } from 'vitest';
import type { Container, ContainerStatus } from '../../../src/contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import type { PodSnapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { dependencyOf, init } from '../../../src/diagnosis/scenarios/init.ts';
import { podSnapshot } from '../../support/fixtures.ts';

function detect(snapshot: PodSnapshot, settings = DEFAULT_ENGINE_SETTINGS) {
  return init.detect(snapshot, settings);
}

function initStatus(snapshot: PodSnapshot, name: string): ContainerStatus {
  const status = snapshot.pod.status?.initContainerStatuses?.find((s) => s.name === name);
  if (!status) throw new Error(`no init container status ${name}`);
  return status;
}

function initSpec(snapshot: PodSnapshot, name: string): Container {
  const spec = snapshot.pod.spec.initContainers?.find((c) => c.name === name);
  if (!spec) throw new Error(`no init container ${name}`);
  return spec;
}

describe('init detector', () => {
  it.each([
    ['init/failed/crashloop-migrate.yaml', 'migrate', 'CrashLoopBackOff', 1],
    ['init/failed/job-init-error-restart-never.yaml', 'fetch-config', 'Error', 1],
  ] as const)('diagnoses %s: init container %s fails with %s, exit %i', (path, container, state, exitCode) => {
    const snapshot = podSnapshot(path);

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ scenario: 'init', cause: 'failed', otherCauses: [] });
    expect(finding?.summary).toMatch(new RegExp(`^Init container ${container} exits with code ${exitCode} \\(general application error\\);`));
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'status', value: state }));
    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'exit-code', container, exitCode, reason: 'Error', meaning: '1: general application error (the program reported a failure)' }),
    );
    expect(finding?.evidence).toContainEqual({ kind: 'status', field: `status.initContainerStatuses[${container}].restartCount`, value: expect.any(String) });
  });

  it('reports a crash loop with its restarts, exit code, run time, back-off event and the --previous log command', () => {
    const snapshot = podSnapshot('init/failed/crashloop-migrate.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toBe(
      'Init container migrate exits with code 1 (general application error); the kubelet keeps restarting it (CrashLoopBackOff, 6 restarts) and the app containers cannot start.',
    );
    expect(finding?.evidence).toEqual(
      expect.arrayContaining([
        { kind: 'status', field: 'status.initContainerStatuses[migrate].state.waiting.reason', value: 'CrashLoopBackOff' },
        expect.objectContaining({ kind: 'exit-code', container: 'migrate', exitCode: 1, ranForSeconds: 3, finishedAt: '2026-11-20T11:57:01Z' }),
        { kind: 'status', field: 'status.initContainerStatuses[migrate].restartCount', value: '6' },
        { kind: 'spec', field: 'spec.initContainers[migrate].command', value: '/app/migrate up' },
        expect.objectContaining({ kind: 'event', reason: 'BackOff', count: 64, ageSeconds: 20 }),
      ]),
    );
    expect(finding?.remediation[0]?.command).toBe('kubectl -n shop logs orders-7b9c5d6f4-w2e3r -c migrate --previous');
    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'rediagnose']);
  });

  it('quotes the last log lines of the crashed init container when the snapshot has them', () => {
    const snapshot = podSnapshot('init/failed/crashloop-migrate.yaml');
    snapshot.logs = [
      { container: 'orders', previous: false, lines: ['not this one'] },
      {
        container: 'migrate',
        previous: true,
        lines: ['starting migrations', 'applying 0041_add_index', 'applying 0042_orders_fk', 'connecting to orders-db:5432', 'retrying', 'error: relation "customers" does not exist', ''],
      },
    ];

    const finding = detect(snapshot);

    const logs = finding?.evidence.filter((e) => e.kind === 'log');
    expect(logs).toEqual([
      { kind: 'log', container: 'migrate', previous: true, line: 'applying 0041_add_index' },
      { kind: 'log', container: 'migrate', previous: true, line: 'applying 0042_orders_fk' },
      { kind: 'log', container: 'migrate', previous: true, line: 'connecting to orders-db:5432' },
      { kind: 'log', container: 'migrate', previous: true, line: 'retrying' },
      { kind: 'log', container: 'migrate', previous: true, line: 'error: relation "customers" does not exist' },
    ]);
  });

  it('says a restartPolicy Never Pod has failed and reads the log without --previous', () => {
    const snapshot = podSnapshot('init/failed/job-init-error-restart-never.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toContain('with restartPolicy Never the Pod has failed');
    expect(finding?.remediation[0]?.command).toBe('kubectl -n analytics logs nightly-report-29384710-t6x8v -c fetch-config');
    expect(finding?.remediation[1]?.text).toContain('depends on config-server.platform.svc.cluster.local');
  });

  it('diagnoses an init container running past initStuckAfterSeconds and names what it waits for', () => {
    const snapshot = podSnapshot('init/failed/stuck-wait-for-postgres.yaml');

    const finding = detect(snapshot);

    expect(finding?.cause).toBe('failed');
    expect(finding?.summary).toBe(
      'Init container wait-for-db has been running for 45m (limit 10m) without finishing, so the Pod stays in Init:0/2 and its app containers never start; it appears to wait for postgres.db.svc.cluster.local.',
    );
    expect(finding?.evidence).toContainEqual({ kind: 'status', field: 'status.initContainerStatuses[wait-for-db].state.running.startedAt', value: '2026-11-20T11:15:03Z' });
    expect(finding?.remediation).toContainEqual({
      text: expect.stringContaining('wait-for-db depends on postgres.db.svc.cluster.local'),
      command: 'kubectl -n shop run dns-check --rm -it --restart=Never --image=busybox:1.36 -- nslookup postgres.db.svc.cluster.local',
    });
    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'restart-pod', 'rediagnose']);
  });

  it('answers an init container still running under the threshold as settling, and the same one past a raised threshold too', () => {
    const young = podSnapshot('healthy/init-running-under-threshold.yaml');
    const stuck = podSnapshot('init/failed/stuck-wait-for-postgres.yaml');

    expect(detect(young)).toMatchObject({ cause: 'failed', settling: { state: 'Init:0/1', alertAfterSeconds: 600 } });
    expect(detect(young)?.summary).toMatch(/^Init container warm-cache has been running for 2m and has not finished yet/);
    expect(detect(stuck, { ...DEFAULT_ENGINE_SETTINGS, initStuckAfterSeconds: 3600 })).toMatchObject({ settling: { alertAfterSeconds: 3600 } });
    expect(detect(stuck)).not.toHaveProperty('settling');
  });

  it('tells exit 1 apart from still running: the same init container, terminated with 1, is a failure', () => {
    const snapshot = podSnapshot('healthy/init-running-under-threshold.yaml');
    initStatus(snapshot, 'warm-cache').state = {
      terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-20T11:57:55Z', finishedAt: '2026-11-20T11:59:10Z' },
    };

    const finding = detect(snapshot);

    expect(finding?.summary).toMatch(/^Init container warm-cache exits with code 1/);
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'exit-code', exitCode: 1, ranForSeconds: 75 }));
  });

  it('catches a loop between crashes: running again after 2 failed runs', () => {
    const snapshot = podSnapshot('healthy/init-running-under-threshold.yaml');
    const status = initStatus(snapshot, 'warm-cache');
    status.restartCount = 3;
    status.lastState = { terminated: { exitCode: 2, reason: 'Error', startedAt: '2026-11-20T11:59:00Z', finishedAt: '2026-11-20T11:59:30Z' } };
    status.state = { running: { startedAt: '2026-11-20T11:59:50Z' } };

    const finding = detect(snapshot);

    expect(finding?.summary).toMatch(/exits with code 2 .*CrashLoopBackOff, 3 restarts/);
  });

  it('does not claim an init container that cannot pull its image (Init:ImagePullBackOff belongs to image-pull)', () => {
    const snapshot = podSnapshot('image-pull/not-found/init-container-image-pull-backoff.yaml');

    expect(detect(snapshot)).toBeNull();
    expect(diagnose(snapshot)?.cause).toBe('image-pull.not-found');
  });

  it.each(['ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError', 'PodInitializing'])('ignores an init container waiting with %s', (reason) => {
    const snapshot = podSnapshot('init/failed/crashloop-migrate.yaml');
    initStatus(snapshot, 'migrate').state = { waiting: { reason } };

    expect(detect(snapshot)).toBeNull();
  });

  it('skips a sidecar init container (restartPolicy Always) in the stuck check once the kubelet has moved on past it', () => {
    const snapshot = podSnapshot('init/failed/stuck-wait-for-postgres.yaml');
    initSpec(snapshot, 'wait-for-db').restartPolicy = 'Always';
    // A sidecar-aware kubelet runs the next init container as soon as the sidecar has started, then the app.
    initStatus(snapshot, 'migrate').state = { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-11-20T11:15:05Z', finishedAt: '2026-11-20T11:15:40Z' } };

    expect(detect(snapshot)).toBeNull();
  });

  it('still diagnoses a sidecar init container that crash-loops before the Pod is initialized', () => {
    const snapshot = podSnapshot('init/failed/crashloop-migrate.yaml');
    initSpec(snapshot, 'migrate').restartPolicy = 'Always';

    expect(detect(snapshot)?.cause).toBe('failed');
  });

  it('treats init failures on an initialized Pod as history', () => {
    const snapshot = podSnapshot('init/failed/crashloop-migrate.yaml');
    const initialized = snapshot.pod.status?.conditions?.find((c) => c.type === 'Initialized');
    if (initialized) initialized.status = 'True';

    expect(detect(snapshot)).toBeNull();
  });

  it('explains an OOM-killed init container with its memory limit', () => {
    const snapshot = podSnapshot('init/failed/crashloop-migrate.yaml');
    const last = initStatus(snapshot, 'migrate').lastState?.terminated;
    if (last) Object.assign(last, { exitCode: 137, reason: 'OOMKilled' });

    const finding = detect(snapshot);

    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'exit-code', exitCode: 137, meaning: '137: killed by the kernel OOM killer (reason OOMKilled)' }));
    expect(finding?.remediation[1]?.text).toContain('resources.limits.memory');
  });

  it('stays silent on completed init containers and a running sidecar', () => {
    expect(detect(podSnapshot('healthy/init-completed.yaml'))).toBeNull();
  });

  it('stays silent on a Pod without init containers', () => {
    expect(detect(podSnapshot('healthy/running-deployment-pod.yaml'))).toBeNull();
  });
});

describe('dependencyOf', () => {
  it.each([
    [['sh', '-c', 'until nslookup postgres.db.svc.cluster.local; do sleep 2; done'], 'postgres.db.svc.cluster.local'],
    [['sh', '-c', 'until nc -z -w 2 redis-master 6379; do sleep 1; done'], 'redis-master'],
    [['/wait-for-it.sh', 'kafka.stream.svc:9092', '--timeout=60'], 'kafka.stream.svc'],
    [['sh', '-c', 'until pg_isready -h orders-db -p 5432; do sleep 2; done'], 'orders-db'],
    [['sh', '-c', 'until curl -sf http://config-server:8080/health; do sleep 5; done'], 'config-server'],
    [['/app/migrate', 'up'], null],
  ])('finds the host in %j', (command, host) => {
    expect(dependencyOf({ name: 'wait', command })).toBe(host);
  });
});

describe('init containers get every check the app containers get', () => {
  it('reads a missing Secret of an init container (the older plural NotFound) as dependency.secret', () => {
    const diagnosis = diagnose(podSnapshot('dependency/secret/init-container-secret-plural-old-kubelet.yaml'));

    expect(diagnosis).toMatchObject({ cause: 'dependency.secret', summary: expect.stringMatching(/^Init container init-myservice cannot start: Secret my-password does not exist/) });
  });

  it('reads an init container looping without lastState as init.failed, exit code unknown', () => {
    const diagnosis = diagnose(podSnapshot('init/failed/init-crashloop-no-laststate.yaml'));

    expect(diagnosis?.cause).toBe('init.failed');
    expect(diagnosis?.summary).toContain('exit code unknown: the kubelet did not report the last termination');
  });

  it('names a native sidecar the node kubelet runs as a plain init container', () => {
    const diagnosis = diagnose(podSnapshot('init/failed/native-sidecar-on-old-kubelet.yaml'));

    expect(diagnosis?.cause).toBe('init.failed');
    expect(diagnosis?.summary).toContain('Init container cloud-sql-proxy has been running for 25m');
    expect(diagnosis?.summary).toContain('the kubelet on node node-old waits for it to exit');
  });

  it('stays silent on a native sidecar once the app container runs', () => {
    const snapshot = podSnapshot('init/failed/native-sidecar-on-old-kubelet.yaml');
    const app = snapshot.pod.status?.containerStatuses?.[0];
    if (!app) throw new Error('fixture changed');
    app.state = { running: { startedAt: '2026-11-20T11:35:20Z' } };

    expect(detect(snapshot)).toBeNull();
  });

  it('hints at a native sidecar for a long-running proxy run as a plain init container', () => {
    const finding = detect(podSnapshot('init/failed/cloud-sql-proxy-as-plain-init-container.yaml'));

    expect(finding?.summary).toContain('is a long-running proxy or agent');
    expect(finding?.remediation.map((r) => r.docsUrl)).toContain('https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/');
  });
});
