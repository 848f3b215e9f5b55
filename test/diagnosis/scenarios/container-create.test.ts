import { describe, expect, it } from 'vitest';
import type { ContainerStatus, KubeEvent } from '../../../src/contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import type { PodSnapshot, Snapshot, WorkloadSnapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { containerCreate } from '../../../src/diagnosis/scenarios/container-create.ts';
import { loadFixture, podSnapshot } from '../../support/fixtures.ts';

function workloadSnapshot(path: string, kind: string, observedAt?: string): WorkloadSnapshot {
  const snapshot = loadFixture(path, observedAt).find((s): s is WorkloadSnapshot => s.kind === 'Workload' && s.workload.kind === kind);
  if (!snapshot) throw new Error(`${path} has no ${kind}`);
  return structuredClone(snapshot);
}

function onlyStatus(snapshot: PodSnapshot): ContainerStatus {
  const status = snapshot.pod.status?.containerStatuses?.[0];
  if (!status) throw new Error('fixture has no container status');
  return status;
}

const PSS = 'container-create/security-policy/podsecurity-restricted-replicaset.yaml';
const GATEKEEPER = 'container-create/security-policy/gatekeeper-privileged-daemonset.yaml';
const RUN_AS_NON_ROOT = 'container-create/security-policy/run-as-non-root-image-root.yaml';
const SA_RS = 'container-create/rbac/serviceaccount-missing-replicaset.yaml';
const SA_JOB = 'container-create/rbac/serviceaccount-missing-job.yaml';
const NO_COMMAND = 'container-create/no-command/containerd-image-without-cmd.yaml';
const NO_COMMAND_INIT = 'container-create/no-command/init-container-without-cmd.yaml';
const NOT_IN_PATH = 'container-create/bad-command/executable-not-found-containerd.yaml';
const PERMISSION_DENIED = 'container-create/bad-command/permission-denied-crio.yaml';
const NO_SUCH_FILE = 'container-create/bad-command/no-such-file-docker.yaml';
const RECOVERED = 'healthy/container-create-old-failedcreate-recovered.yaml';
const OLD_START_ERROR = 'healthy/container-create-old-starterror-ready.yaml';

const RBAC_LOG =
  'E1120 11:58:02.114 reflector.go:150] failed to list *v1.ConfigMap: configmaps is forbidden: User "system:serviceaccount:shop:api" cannot list resource "configmaps" in API group "" in the namespace "shop"';

describe('container-create detector: workloads (FailedCreate from admission)', () => {
  it.each([
    [PSS, 'ReplicaSet', 'security-policy', /^ReplicaSet\/checkout-7fb96c846b cannot create Pods: PodSecurity "restricted:latest" rejects the pod template \(allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\)\.$/, 'kubectl -n payments edit deployment/checkout'],
    [GATEKEEPER, 'DaemonSet', 'security-policy', /^DaemonSet\/node-probe cannot create Pods: admission webhook "validation\.gatekeeper\.sh" denies the pod template \(\[psp-privileged-container\] Privileged container is not allowed/, 'kubectl -n observability edit daemonset/node-probe'],
    [SA_RS, 'ReplicaSet', 'rbac', /^ReplicaSet\/inventory-sync-58d4f7c9b6 cannot create Pods: ServiceAccount shop\/inventory-sync does not exist\.$/, 'kubectl -n shop create serviceaccount inventory-sync'],
    [SA_JOB, 'Job', 'rbac', /^Job\/db-backup-29919540 cannot create Pods: ServiceAccount data\/backup does not exist\.$/, 'kubectl -n data create serviceaccount backup'],
  ] as const)('%s (%s) is container-create.%s', (path, kind, cause, summary, firstCommand) => {
    const snapshot = workloadSnapshot(path, kind);

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'container-create', cause, otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
    expect(finding?.remediation[0]?.command).toBe(firstCommand);
    expect(finding?.evidence[0]).toMatchObject({ kind: 'event', reason: 'FailedCreate', type: 'Warning' });
  });

  it('turns every PodSecurity violation into the securityContext field to set, plus the namespace escape hatch', () => {
    const snapshot = workloadSnapshot(PSS, 'ReplicaSet');

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation.map((r) => r.text)).toEqual([
      'PodSecurity "restricted:latest" forbids allowPrivilegeEscalation != false (container "checkout" must set securityContext.allowPrivilegeEscalation=false): set securityContext.allowPrivilegeEscalation: false on the named containers, in the pod template of Deployment/checkout.',
      'PodSecurity "restricted:latest" forbids unrestricted capabilities (container "checkout" must set securityContext.capabilities.drop=["ALL"]): set securityContext.capabilities.drop: ["ALL"] on the named containers (add back only NET_BIND_SERVICE if needed), in the pod template of Deployment/checkout.',
      'PodSecurity "restricted:latest" forbids runAsNonRoot != true (pod or container "checkout" must set securityContext.runAsNonRoot=true): set securityContext.runAsNonRoot: true (pod or container) and run as a non-zero UID, e.g. runAsUser: 10001, with an image that supports it, in the pod template of Deployment/checkout.',
      'PodSecurity "restricted:latest" forbids seccompProfile (pod or container "checkout" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"): set securityContext.seccompProfile.type: RuntimeDefault (pod level covers every container), in the pod template of Deployment/checkout.',
      'Only if the workload really needs these privileges: exempt it by relaxing the namespace\'s enforce level (currently restricted); prefer fixing the template.',
    ]);
    expect(finding?.remediation.at(-1)?.command).toBe('kubectl label namespace payments pod-security.kubernetes.io/enforce=baseline --overwrite');
  });

  it('shows the ReplicaFailure condition and how many Pods are missing', () => {
    const snapshot = workloadSnapshot(PSS, 'ReplicaSet');

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'status', field: 'status.conditions[ReplicaFailure].message', value: expect.stringContaining('violates PodSecurity') }));
    expect(finding?.evidence).toContainEqual({ kind: 'status', field: 'status.replicas', value: '0 (spec.replicas 2)' });
  });

  it('parses baseline violations whose details are empty or list several names', () => {
    const snapshot = workloadSnapshot(PSS, 'ReplicaSet');
    const event = snapshot.events.find((e) => e.reason === 'FailedCreate');
    if (!event) throw new Error('fixture changed');
    event.message = 'Error creating: pods "checkout-7fb96c846b-4xq9z" is forbidden: violates PodSecurity "baseline:v1.31": host namespaces (hostNetwork=true), hostPath volumes (volumes "data", "logs"), privileged';
    if (snapshot.workload.status) snapshot.workload.status.conditions = [];

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.summary).toContain('PodSecurity "baseline:v1.31" rejects the pod template (host namespaces, hostPath volumes, privileged)');
    expect(finding?.remediation.at(-1)?.command).toBe('kubectl label namespace payments pod-security.kubernetes.io/enforce=privileged --overwrite');
  });

  it('points a Job owned by a CronJob at the CronJob\'s job template', () => {
    const snapshot = workloadSnapshot(SA_JOB, 'Job');

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[0]?.text).toContain('spec.jobTemplate.spec.template.spec.serviceAccountName of CronJob/db-backup');
  });

  it('names the Gatekeeper constraint to read', () => {
    const snapshot = workloadSnapshot(GATEKEEPER, 'DaemonSet');

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.remediation[1]).toEqual({
      text: 'Read Gatekeeper constraint psp-privileged-container to see exactly what it requires (and its excluded namespaces).',
      command: 'kubectl get constraints -o name | grep /psp-privileged-container',
    });
  });

  it('still reports a webhook that denies without explanation', () => {
    const snapshot = workloadSnapshot(GATEKEEPER, 'DaemonSet');
    const event = snapshot.events[0];
    if (!event) throw new Error('fixture changed');
    event.message = 'Error creating: admission webhook "policy.example.com" denied the request without explanation';

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.summary).toBe('DaemonSet/node-probe cannot create Pods: admission webhook "policy.example.com" denies the pod template (no explanation given).');
  });

  it('reports from the ReplicaFailure condition when the events have expired', () => {
    const snapshot = workloadSnapshot(SA_RS, 'ReplicaSet');
    snapshot.events = [];

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.cause).toBe('rbac');
  });

  it('leaves quota FailedCreate to unschedulable.quota-exceeded', () => {
    const snapshot = workloadSnapshot(SA_RS, 'ReplicaSet');
    const quota = 'pods "inventory-sync-58d4f7c9b6-x2x9k" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=3800m, limited: requests.cpu=4';
    const event = snapshot.events[0];
    if (!event || !snapshot.workload.status?.conditions?.[0]) throw new Error('fixture changed');
    event.message = `Error creating: ${quota}`;
    snapshot.workload.status.conditions[0].message = quota;

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toBeNull();
  });

  it('ignores a fresh FailedCreate once the workload has all its Pods', () => {
    const snapshot = workloadSnapshot(SA_RS, 'ReplicaSet');
    snapshot.workload.status = { replicas: 1, readyReplicas: 1 };

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toBeNull();
  });

  it('stays silent on a FailedCreate from three days ago on a ReplicaSet that is fully ready', () => {
    const snapshots = loadFixture(RECOVERED);

    expect(snapshots.map((s) => containerCreate.detect(s, DEFAULT_ENGINE_SETTINGS))).toEqual([null]);
  });

  it('is silent on the Deployment-free ReplicaSet of a healthy Pod', () => {
    const snapshots: Snapshot[] = loadFixture('dependency/secret/env-secret-missing.yaml').filter((s) => s.kind === 'Workload');

    expect(snapshots.map((s) => containerCreate.detect(s, DEFAULT_ENGINE_SETTINGS))).toEqual([null]);
  });
});

describe('container-create detector: Pods', () => {
  it.each([
    [RUN_AS_NON_ROOT, 'security-policy', /^The kubelet refuses to start container nginx: runAsNonRoot is set but the image runs as root\.$/, 'kubectl -n shop edit deployment/storefront'],
    [NO_COMMAND, 'no-command', /^The runtime cannot create container exporter: neither image registry\.example\.com\/monitoring\/exporter:0\.3\.0 \(no ENTRYPOINT\/CMD\) nor the spec gives a command\.$/, 'kubectl -n monitoring edit deployment/exporter'],
    [NO_COMMAND_INIT, 'no-command', /^The runtime cannot create init container dictionaries:/, 'kubectl -n catalog edit statefulset/search'],
    [NOT_IN_PATH, 'bad-command', /^The runtime cannot start container api: executable "gunicorn" not found in \$PATH\.$/, 'kubectl -n shop edit deployment/api'],
    [PERMISSION_DENIED, 'bad-command', /^The runtime cannot start container inventory: "\/deployments\/run-java\.sh" is not executable \(permission denied\)\.$/, 'kubectl -n shop get pod inventory-5b8c7d9f6-s8d2f -o yaml > pod.yaml  # fix it, then: kubectl replace --force -f pod.yaml'],
    [NO_SUCH_FILE, 'bad-command', /^The runtime cannot start container migrate: "\/opt\/tool\/bin\/migrate" does not exist in the image/, 'kubectl -n billing get job migrate-schema -o yaml > job.yaml  # fix the template, then: kubectl replace --force -f job.yaml'],
  ] as const)('%s is container-create.%s', (path, cause, summary, firstCommand) => {
    const snapshot = podSnapshot(path);

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'container-create', cause, otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
    expect(finding?.remediation[0]?.command).toBe(firstCommand);
  });

  it('shows the start failure from lastState with its exit code, the command and the kubelet event', () => {
    const snapshot = podSnapshot(NOT_IN_PATH);

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual([
      { kind: 'status', field: 'status.containerStatuses[api].lastState.terminated.reason', value: 'StartError' },
      { kind: 'status', field: 'status.containerStatuses[api].lastState.terminated.message', value: expect.stringContaining('exec: "gunicorn": executable file not found in $PATH') },
      expect.objectContaining({ kind: 'event', reason: 'Failed', count: 8, ageSeconds: 149 }),
      { kind: 'spec', field: 'spec.containers[api].command', value: '["gunicorn"]' },
      { kind: 'spec', field: 'spec.containers[api].args', value: '["app.wsgi:application","--bind","0.0.0.0:8000"]' },
      expect.objectContaining({ kind: 'exit-code', container: 'api', exitCode: 128, reason: 'StartError', ranForSeconds: null }),
    ]);
    expect(finding?.remediation[1]?.command).toBe(
      `kubectl -n shop run api-inspect --rm -it --restart=Never --image=registry.example.com/shop/api-py:3.0.0 --command -- sh -c 'echo $PATH; command -v gunicorn'`,
    );
  });

  it.each([
    ['exec format error', 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec /usr/local/bin/api: exec format error: unknown', /wrong binary format \(exec format error\)/],
    ['crun', 'container create failed: executable file `gunicorn` not found in $PATH: No such file or directory', /executable "gunicorn" not found in \$PATH/],
    ['old runc', 'container create failed: container_linux.go:367: starting container process caused: exec: "gunicorn": executable file not found in $PATH', /executable "gunicorn" not found in \$PATH/],
  ] as const)('recognizes the %s variant of an exec failure', (_variant, message, summary) => {
    const snapshot = podSnapshot(NOT_IN_PATH);
    onlyStatus(snapshot).state = { waiting: { reason: 'CreateContainerError', message } };

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.cause).toBe('bad-command');
    expect(finding?.summary).toMatch(summary);
  });

  it('claims RBAC denials only from the log of a failing container', () => {
    const snapshot = podSnapshot(NOT_IN_PATH);
    const status = onlyStatus(snapshot);
    status.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-20T11:58:00Z', finishedAt: '2026-11-20T11:58:02Z' } };
    snapshot.pod.spec.serviceAccountName = 'api';
    snapshot.logs = [{ container: 'api', previous: true, lines: ['starting informers', RBAC_LOG] }];

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'rbac', summary: 'Container api fails because ServiceAccount shop/api may not list configmaps in namespace shop.' });
    expect(finding?.evidence[0]).toEqual({ kind: 'log', container: 'api', previous: true, line: RBAC_LOG });
    expect(finding?.remediation.map((r) => r.command)).toEqual([
      'kubectl -n shop create role api-configmaps --verb=list --resource=configmaps && kubectl -n shop create rolebinding api-configmaps --role=api-configmaps --serviceaccount=shop:api',
      'kubectl auth can-i list configmaps -n shop --as=system:serviceaccount:shop:api',
    ]);
  });

  it('does not claim RBAC without the log line, nor for a Ready container, nor for an OOM kill', () => {
    const base = podSnapshot(NOT_IN_PATH);
    onlyStatus(base).lastState = { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2026-11-20T11:58:02Z' } };
    const noLog = structuredClone(base);
    noLog.logs = [{ container: 'api', previous: true, lines: ['starting informers'] }];
    const ready = structuredClone(base);
    ready.logs = [{ container: 'api', previous: false, lines: [RBAC_LOG] }];
    onlyStatus(ready).state = { running: { startedAt: '2026-11-20T11:58:10Z' } };
    onlyStatus(ready).ready = true;
    const oom = structuredClone(base);
    oom.logs = [{ container: 'api', previous: true, lines: [RBAC_LOG] }];
    onlyStatus(oom).lastState = { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-11-20T11:58:02Z' } };

    const findings = [noLog, ready, oom].map((s) => containerCreate.detect(s, DEFAULT_ENGINE_SETTINGS));

    expect(findings).toEqual([null, null, null]);
  });

  it('leaves a shell\'s exit 127 (the program ran) to container-exit', () => {
    const snapshot = podSnapshot(NOT_IN_PATH);
    onlyStatus(snapshot).lastState = { terminated: { exitCode: 127, reason: 'Error', startedAt: '2026-11-20T11:57:30Z', finishedAt: '2026-11-20T11:57:30Z' } };

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toBeNull();
  });

  it('leaves runtime mount errors and missing ConfigMaps to dependency', () => {
    const findings = ['dependency/mount-config/mount-inside-proc.yaml', 'dependency/configmap/env-configmap-missing.yaml'].map((path) =>
      containerCreate.detect(podSnapshot(path), DEFAULT_ENGINE_SETTINGS),
    );

    expect(findings).toEqual([null, null]);
  });

  it('stays silent on an old StartError of a container that is Running and Ready now', () => {
    const snapshot = podSnapshot(OLD_START_ERROR);

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toBeNull();
  });

  it('stays silent on a healthy Pod and on unknown CreateContainerError messages', () => {
    const healthy = podSnapshot('healthy/running-deployment-pod.yaml');
    const unknown = podSnapshot(NO_COMMAND);
    onlyStatus(unknown).state = { waiting: { reason: 'CreateContainerError', message: 'context deadline exceeded' } };

    const findings = [healthy, unknown].map((s) => containerCreate.detect(s, DEFAULT_ENGINE_SETTINGS));

    expect(findings).toEqual([null, null]);
  });

  it('lists other causes across containers, the first container\'s being primary', () => {
    const snapshot = podSnapshot(NO_COMMAND);
    snapshot.pod.spec.containers.push({ name: 'sidecar', image: 'registry.example.com/monitoring/relay:1.0', command: ['relayd'] });
    snapshot.pod.status?.containerStatuses?.push({
      name: 'sidecar', ready: false, restartCount: 0,
      state: { waiting: { reason: 'CreateContainerError', message: 'container create failed: time="2026-11-20T11:59:00Z" level=error msg="runc create failed: unable to start container process: exec: \\"relayd\\": executable file not found in $PATH"' } },
    });

    const finding = containerCreate.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'no-command', otherCauses: ['bad-command'] });
  });

  it('is what the engine reports before dependency or container-exit would', () => {
    const event: KubeEvent | undefined = podSnapshot(RUN_AS_NON_ROOT).events[0];

    const diagnosis = diagnose(podSnapshot(RUN_AS_NON_ROOT));

    expect(event?.reason).toBe('Failed');
    expect(diagnosis?.cause).toBe('container-create.security-policy');
  });
});

describe('container-create: the runtime failing to exec, whatever it says', () => {
  it('reads StartError/ContainerCannotRun with exit 128 as the runtime failing to start the process, even with a message it does not recognise', () => {
    const snapshot = podSnapshot('container-create/bad-command/dockershim-init-p-reset-128.yaml');

    const diagnosis = diagnose(snapshot);

    expect(diagnosis).toMatchObject({ cause: 'container-create.bad-command' });
    expect(diagnosis).not.toHaveProperty('lastResort');
    expect(diagnosis?.summary).toContain("podwhy does not recognise the runtime's message, but exit 128 with ContainerCannotRun is the runtime failing to exec the entrypoint");
    expect(diagnosis?.remediation.map((r) => r.text).join(' ')).toContain('memory limit too small');
  });

  it('is not container-exit.immediate for a StartError 127 the app never ran', () => {
    const snapshot = podSnapshot('container-create/bad-command/dockershim-init-p-reset-128.yaml');
    const last = onlyStatus(snapshot).lastState?.terminated;
    if (!last) throw new Error('fixture changed');
    last.reason = 'StartError';
    last.exitCode = 127;
    last.message = 'exec failed: unexpected runtime text';

    expect(diagnose(snapshot)?.cause).toBe('container-create.bad-command');
  });

  it('names a whole shell line in one command element for what it is', () => {
    const diagnosis = diagnose(podSnapshot('container-create/bad-command/containerd-starterror-shell-line-job.yaml'));

    expect(diagnosis?.cause).toBe('container-create.bad-command');
    expect(diagnosis?.remediation[0]?.text).toContain('is a whole command line in one element');
  });

  it('says an empty command is empty', () => {
    const diagnosis = diagnose(podSnapshot('container-create/bad-command/containerd-empty-command.yaml'));

    expect(diagnosis?.summary).toBe('The runtime cannot start container worker: the command is an empty string, so there is nothing to execute.');
  });
});
