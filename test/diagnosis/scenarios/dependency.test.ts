import { describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../../src/contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import type { Snapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { dependency } from '../../../src/diagnosis/scenarios/dependency.ts';
import { loadFixture, podSnapshot } from '../../support/fixtures.ts';

const CM_MISSING = 'dependency/configmap/env-configmap-missing.yaml';
const CM_KEY_MISSING = 'dependency/configmap/env-configmap-key-missing.yaml';
const CM_VOLUME_MISSING = 'dependency/configmap/volume-configmap-missing.yaml';
const SECRET_MISSING = 'dependency/secret/env-secret-missing.yaml';
const SECRET_KEY_MISSING = 'dependency/secret/env-secret-key-missing.yaml';
const SECRET_VOLUME_KEY_MISSING = 'dependency/secret/volume-secret-key-missing.yaml';
const PVC_NOT_FOUND = 'dependency/volume/pvc-not-found.yaml';
const PVC_UNBOUND = 'dependency/volume/pvc-unbound-storageclass-missing.yaml';
const MULTI_ATTACH = 'dependency/volume/multi-attach-rwo.yaml';
const NFS = 'dependency/volume/nfs-mount-timeout.yaml';
const DIR_OVER_FILE = 'dependency/mount-config/configmap-dir-over-file.yaml';
const INSIDE_PROC = 'dependency/mount-config/mount-inside-proc.yaml';
const READ_ONLY_PARENT = 'dependency/mount-config/mountpoint-in-readonly-configmap.yaml';
const SUBPATH_BACKSTEPS = 'dependency/mount-config/subpathexpr-backsteps.yaml';
const TRANSIENT_MOUNT = 'healthy/dependency-containercreating-transient-mount.yaml';
const OPTIONAL_CM = 'healthy/dependency-optional-configmap-missing-running.yaml';
const PVC_JUST_CREATED = 'healthy/dependency-pvc-binding-just-created.yaml';

describe('dependency detector', () => {
  it.each([
    [CM_MISSING, 'configmap', /^Container web cannot start: ConfigMap web-config does not exist \(CreateContainerConfigError\)\.$/, 'kubectl -n shop create configmap web-config --from-literal=LOG_LEVEL=<value> --from-literal=API_URL=<value>'],
    [CM_KEY_MISSING, 'configmap', /^Container api cannot start: key FEATURE_FLAGS of ConfigMap api-config is missing/, `kubectl -n shop patch configmap api-config --type merge -p '{"data":{"FEATURE_FLAGS":"<value>"}}'`],
    [CM_VOLUME_MISSING, 'configmap', /stuck in ContainerCreating for 7m: volume config needs ConfigMap nginx-conf, which does not exist\.$/, 'kubectl -n edge create configmap nginx-conf --from-file=<path>'],
    [SECRET_MISSING, 'secret', /^Container worker cannot start: Secret db-credentials does not exist/, 'kubectl -n shop create secret generic db-credentials --from-literal=username=<value> --from-literal=password=<value>'],
    [SECRET_KEY_MISSING, 'secret', /^Container worker cannot start: key password of Secret db-credentials is missing/, `kubectl -n shop patch secret db-credentials --type merge -p '{"stringData":{"password":"<value>"}}'`],
    [SECRET_VOLUME_KEY_MISSING, 'secret', /volume tls needs Secret web-tls key tls\.key, which does not exist\.$/, `kubectl -n edge patch secret web-tls --type merge -p '{"stringData":{"tls.key":"<value>"}}'`],
    [PVC_NOT_FOUND, 'volume', /cannot be scheduled for 40m: PersistentVolumeClaim reports-data \(volume data\) does not exist\.$/, 'kubectl -n analytics get pvc'],
    [PVC_UNBOUND, 'volume', /cannot be scheduled for 50m: PersistentVolumeClaim data-postgres-0 is not bound \(storage class fast-ssd\)\.$/, 'kubectl -n data describe pvc data-postgres-0'],
    [MULTI_ATTACH, 'volume', /stuck in ContainerCreating for 9m: volume pvc-5a914d6f-789a-4b2c-97e8-2d3e4f5a6b03 is still attached to another node \(Multi-Attach error\)\.$/, expect.stringContaining('kubectl get volumeattachment')],
    [NFS, 'volume', /MountVolume\.SetUp of volume shared fails on node node-d \(mount failed: exit status 32: mount\.nfs: Connection timed out\)\.$/, 'kubectl debug node/node-d -it --image=busybox:1.36 -- nc -zv -w 5 nfs.example.internal 2049'],
    [DIR_OVER_FILE, 'mount-config', /^Container nginx cannot start: the mount at \/etc\/nginx\/conf\.d\/default\.conf puts a directory onto a file/, 'kubectl -n web edit deployment/nginx-frontend'],
    [INSIDE_PROC, 'mount-config', /^Container netd cannot start: volume mount at \/proc\/sys\/net\/custom is inside \/proc/, expect.stringContaining('kubectl -n kube-system get pod netd-4xk2p -o yaml')],
    [READ_ONLY_PARENT, 'mount-config', /cannot create mount point \/etc\/app\/cache inside the read-only configMap mount at \/etc\/app/, 'kubectl -n media edit statefulset/renderer'],
    [SUBPATH_BACKSTEPS, 'mount-config', /^Container collector cannot start: subPath "\.\.\/shared-logs" contains "\.\."\.$/, expect.stringContaining('kubectl -n logging get pod collector-7b9c8d6f5-k4j7h -o yaml')],
  ] as const)('%s is dependency.%s', (path, cause, summary, firstCommand) => {
    const snapshot = podSnapshot(path);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'dependency', cause, otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
    expect(finding?.remediation[0]?.command).toEqual(firstCommand);
  });

  it('names the env references that point at the missing ConfigMap, with their spec paths', () => {
    const snapshot = podSnapshot(CM_MISSING);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual([
      { kind: 'status', field: 'status.containerStatuses[web].state.waiting.reason', value: 'CreateContainerConfigError' },
      { kind: 'status', field: 'status.containerStatuses[web].state.waiting.message', value: 'configmap "web-config" not found' },
      { kind: 'event', object: 'Pod/web-6b7f9c8d4-lq2zx', type: 'Warning', reason: 'Failed', message: 'Error: configmap "web-config" not found', count: 92, ageSeconds: 20 },
      { kind: 'spec', field: 'spec.containers[web].env[LOG_LEVEL].valueFrom.configMapKeyRef', value: 'name web-config, key LOG_LEVEL'},
      { kind: 'spec', field: 'spec.containers[web].env[API_URL].valueFrom.configMapKeyRef', value: 'name web-config, key API_URL'},
    ]);
    expect(finding?.remediation.at(-1)).toEqual({
      text: 'The reference is spec.template.spec.containers[web].env[LOG_LEVEL].valueFrom.configMapKeyRef of Deployment/web (and 1 more reference listed above); if the app can run without it, add optional: true to spec.containers[web].env[LOG_LEVEL].valueFrom.configMapKeyRef.',
      command: 'kubectl -n shop edit deployment/web',
    });
  });

  it('tells a missing Secret key (patch the Secret) from a missing Secret (create it)', () => {
    const missingKey = dependency.detect(podSnapshot(SECRET_KEY_MISSING), DEFAULT_ENGINE_SETTINGS);
    const missingSecret = dependency.detect(podSnapshot(SECRET_MISSING), DEFAULT_ENGINE_SETTINGS);

    expect(missingKey?.cause).toBe('secret');
    expect(missingSecret?.cause).toBe('secret');
    expect(missingKey?.evidence.filter((e) => e.kind === 'spec').map((e) => e.kind === 'spec' && e.field)).toEqual([
      'spec.containers[worker].env[DB_PASSWORD].valueFrom.secretKeyRef',
    ]);
    expect(missingKey?.remediation.map((r) => r.command)).toContain('kubectl -n shop describe secret db-credentials');
    expect(missingSecret?.remediation.some((r) => r.command?.includes('patch secret'))).toBe(false);
    expect(missingSecret?.remediation[1]).toEqual({ text: 'If "db-credentials" is a typo, list what exists and fix the reference.', command: 'kubectl -n shop get secrets' });
  });

  it('never repeats env values, even of unrelated variables', () => {
    const snapshot = podSnapshot(SECRET_MISSING);
    snapshot.pod.spec.containers[0]?.env?.push({ name: 'API_TOKEN', value: 's3cr3t-t0ken-value' });

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.cause).toBe('secret');
    expect(JSON.stringify(finding)).not.toContain('s3cr3t-t0ken-value');
  });

  it('reports CreateContainerConfigError at once: it is definitive, not a transient', () => {
    const snapshot = podSnapshot(CM_MISSING, '2026-11-20T11:40:05Z');

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.cause).toBe('configmap');
  });

  it('ignores a ConfigMap error found only in an old event once the container is running', () => {
    const snapshot = podSnapshot(CM_MISSING);
    const status = snapshot.pod.status?.containerStatuses?.[0];
    if (!status || !snapshot.pod.status) throw new Error('fixture changed');
    status.state = { running: { startedAt: '2026-11-20T11:59:45Z' } };
    snapshot.pod.status.phase = 'Running';

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toBeNull();
  });

  it('lists the runc mount error, the exit code and the mount that caused it', () => {
    const snapshot = podSnapshot(DIR_OVER_FILE);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'exit-code', container: 'nginx', exitCode: 128, reason: 'StartError' }));
    expect(finding?.evidence).toContainEqual({ kind: 'spec', field: 'spec.containers[nginx].volumeMounts[nginx-conf-vol].mountPath', value: '/etc/nginx/conf.d/default.conf' });
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'status', value: expect.stringContaining('not a directory') }));
    expect(finding?.remediation[0]?.text).toContain('subPath: default.conf');
  });

  it('reads CRI-O\'s escaped runc mount error from a CreateContainerError', () => {
    const snapshot = podSnapshot(INSIDE_PROC);
    const status = snapshot.pod.status?.containerStatuses?.[0];
    if (!status) throw new Error('fixture changed');
    status.state = {
      waiting: {
        reason: 'CreateContainerError',
        message: 'container create failed: time="2026-11-20T11:59:00Z" level=error msg="runc create failed: unable to start container process: error during container init: error mounting \\"/var/lib/netd/tuning\\" to rootfs at \\"/proc/sys/net/custom\\": \\"/var/lib/containers/storage/overlay/3f1e/merged/proc/sys/net/custom\\" cannot be mounted because it is inside /proc"',
      },
    };
    delete status.lastState;

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'mount-config', summary: 'Container netd cannot start: volume mount at /proc/sys/net/custom is inside /proc, which the runtime refuses.' });
  });

  it('points at the read-only parent mount of a nested mount point', () => {
    const snapshot = podSnapshot(READ_ONLY_PARENT);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'spec', field: 'spec.containers[renderer].volumeMounts[app-config].mountPath', value: '/etc/app', note: 'configMap' });
  });

  it('names the env var a bad subPathExpr expands, never its value', () => {
    const snapshot = podSnapshot(SUBPATH_BACKSTEPS);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'spec', field: 'spec.containers[collector].env[LOG_DIR]', value: 'value', note: 'expanded into the subPathExpr' });
    expect(finding?.remediation[0]?.text).toContain('or the env var LOG_DIR it expands');
  });

  it('explains Multi-Attach with the RWO claim and the Recreate strategy for a Deployment', () => {
    const snapshot = podSnapshot(MULTI_ATTACH);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'spec', field: 'PersistentVolumeClaim/grafana-storage spec.accessModes', value: 'ReadWriteOnce' });
    expect(finding?.remediation[0]?.text).toContain('used by pod(s) grafana-7d9f5c6b8-abcde');
    expect(finding?.remediation.at(-1)?.command).toBe(
      `kubectl -n monitoring patch deployment grafana -p '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}'`,
    );
  });

  it('shows the PVC phase and storage class for an unbound claim', () => {
    const snapshot = podSnapshot(PVC_UNBOUND);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toEqual(expect.arrayContaining([
      { kind: 'status', field: 'PersistentVolumeClaim/data-postgres-0 status.phase', value: 'Pending' },
      { kind: 'spec', field: 'PersistentVolumeClaim/data-postgres-0 spec.storageClassName', value: 'fast-ssd' },
    ]));
    expect(finding?.remediation[1]?.command).toBe('kubectl get storageclass fast-ssd && kubectl get pods -A | grep -i csi');
  });

  it('quotes the claim\'s ProvisioningFailed event when the snapshot carries it', () => {
    const snapshot = podSnapshot(PVC_UNBOUND);
    const event: KubeEvent = {
      metadata: { name: 'data-postgres-0.1', namespace: 'data' },
      involvedObject: { kind: 'PersistentVolumeClaim', name: 'data-postgres-0', namespace: 'data', uid: '3e7f2b4d-5678-490a-b5c6-0b1c2d3e4f02' },
      type: 'Warning',
      reason: 'ProvisioningFailed',
      message: 'storageclass.storage.k8s.io "fast-ssd" not found',
      count: 195,
      lastTimestamp: '2026-11-20T11:59:45Z',
    };
    snapshot.events.push(event);

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', object: 'PersistentVolumeClaim/data-postgres-0', reason: 'ProvisioningFailed', count: 195 }));
  });

  it('lists the other dependency causes when two volumes fail, the primary being the first in the Pod\'s life', () => {
    const snapshot = podSnapshot(CM_VOLUME_MISSING);
    snapshot.pod.spec.volumes?.push({ name: 'tls', secret: { secretName: 'proxy-tls' } });
    snapshot.events.push({
      metadata: { name: 'proxy.3', namespace: 'edge' },
      involvedObject: { kind: 'Pod', name: snapshot.pod.metadata.name, namespace: 'edge', uid: snapshot.pod.metadata.uid },
      type: 'Warning',
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "tls" : secret "proxy-tls" not found',
      count: 11,
      lastTimestamp: '2026-11-20T11:59:20Z',
    });

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'secret', otherCauses: ['configmap'] });
  });

  it('prefers an unschedulable volume binding over later-stage problems', () => {
    const snapshot = podSnapshot(PVC_NOT_FOUND);
    snapshot.pod.status = {
      ...snapshot.pod.status,
      containerStatuses: [{ name: 'reports', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "reports-db" not found' } } }],
    };

    const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'volume', otherCauses: ['secret'] });
  });

  describe('answers a young failure as settling (the alert path waits for the threshold)', () => {
    it.each([
      [TRANSIENT_MOUNT, 'configmap', 'ContainerCreating', 10, 120],
      [PVC_JUST_CREATED, 'volume', 'Pending', 8, 30],
    ] as const)('on %s: %s, %s for %ss (threshold %ss)', (path, cause, state, forSeconds, alertAfterSeconds) => {
      const finding = dependency.detect(podSnapshot(path), DEFAULT_ENGINE_SETTINGS);

      expect(finding).toMatchObject({ cause, settling: { state, forSeconds, alertAfterSeconds } });
      expect(finding?.summary).not.toContain('stuck');
    });

    it('until ContainerCreating with a failing mount lasts stuckCreatingAfterSeconds', () => {
      const at = (observedAt: string) => dependency.detect(podSnapshot(TRANSIENT_MOUNT, observedAt), DEFAULT_ENGINE_SETTINGS);

      expect(at('2026-11-20T12:01:49Z')).toMatchObject({ cause: 'configmap', settling: { forSeconds: 119 } });
      expect(at('2026-11-20T12:01:50Z')?.cause).toBe('configmap');
      expect(at('2026-11-20T12:01:50Z')).not.toHaveProperty('settling');
    });

    it('until an unbound claim keeps the Pod unscheduled for unschedulableAfterSeconds', () => {
      const at = (observedAt: string) => dependency.detect(podSnapshot(PVC_JUST_CREATED, observedAt), DEFAULT_ENGINE_SETTINGS);

      expect(at('2026-11-20T12:00:21Z')).toMatchObject({ cause: 'volume', settling: { forSeconds: 29 } });
      expect(at('2026-11-20T12:00:22Z')?.cause).toBe('volume');
      expect(at('2026-11-20T12:00:22Z')).not.toHaveProperty('settling');
    });
  });

  describe('stays silent', () => {
    it.each([
      [OPTIONAL_CM, 'a missing optional ConfigMap on a Ready Pod'],
      ['healthy/running-deployment-pod.yaml', 'a healthy Pod'],
    ] as const)('on %s (%s)', (path, _why) => {
      const snapshots = loadFixture(path);

      const findings = snapshots.map((s) => dependency.detect(s, DEFAULT_ENGINE_SETTINGS));

      expect(findings).toEqual(snapshots.map(() => null));
    });

    it('when the mount errors are older than eventStaleSeconds', () => {
      const snapshot = podSnapshot(CM_VOLUME_MISSING, '2026-11-20T13:59:11Z');

      const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

      expect(finding).toBeNull();
    });

    it('once the containers started, whatever FailedMount events remain', () => {
      const snapshot = podSnapshot(CM_VOLUME_MISSING);
      const status = snapshot.pod.status?.containerStatuses?.[0];
      if (!status || !snapshot.pod.status) throw new Error('fixture changed');
      status.state = { running: { startedAt: '2026-11-20T11:59:30Z' } };
      snapshot.pod.status.phase = 'Running';

      const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

      expect(finding).toBeNull();
    });

    it('on CreateContainerConfigError that is not about a dependency (runAsNonRoot)', () => {
      const snapshot = podSnapshot('container-create/security-policy/run-as-non-root-image-root.yaml');

      const finding = dependency.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

      expect(finding).toBeNull();
    });

    it('on workloads', () => {
      const snapshots: Snapshot[] = loadFixture('container-create/rbac/serviceaccount-missing-replicaset.yaml');

      expect(snapshots.map((s) => dependency.detect(s, DEFAULT_ENGINE_SETTINGS))).toEqual([null]);
    });
  });

  it('is what the engine reports for a runtime mount error, not container-create', () => {
    const snapshot = podSnapshot(INSIDE_PROC);

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('dependency.mount-config');
  });
});
