import { describe, expect, it } from 'vitest';
import { execFailure, isNoCommand, mountFailure, normalizeRuntimeMessage } from '../../../src/diagnosis/scenarios/runtime-messages.ts';

// Every message here is an upstream runtime's own text, as reported (the comment names where).
describe('runtime messages: exec failures, whatever the wrapper', () => {
  it.each([
    // containers/crun#1688 (crun and runc through podman, 2025)
    ['crun: executable file `nonexistent` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found', 'not-in-path', 'nonexistent'],
    ['runc: runc create failed: unable to start container process: error during container init: exec: "nonexistent": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found', 'not-in-path', 'nonexistent'],
    // podman-container-tools/podman#7814 (crun before containers/crun#439 did not name the file)
    ['executable file not found in $PATH: No such file or directory: OCI runtime command not found error', 'not-in-path', ''],
    // satoshipay/stellar-helm-charts#12 (containerd 1.2 + runc rc8, one escaping level)
    ['failed to create containerd task: OCI runtime create failed: container_linux.go:345: starting container process caused "exec: \\"sh\\": executable file not found in $PATH": unknown', 'not-in-path', 'sh'],
    // jamsocket/plane#193 (Docker 20.10+, runc 1.1)
    ['failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "../run.sh": permission denied: unknown', 'permission-denied', '../run.sh'],
    // podman-container-tools/podman#9377 (crun)
    ['open executable: Operation not permitted: OCI permission denied', 'permission-denied', ''],
    // vmware/vic#5658 (Docker 1.13)
    ['oci runtime error: container_linux.go:247: starting container process caused "exec: \\"/bin/topsy\\": stat /bin/topsy: no such file or directory"', 'no-such-file', '/bin/topsy'],
    // Go os/exec LookPath on an empty name, as runc reports it through containerd
    ['failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "": executable file not found in $PATH: unknown', 'empty-command', ''],
  ] as const)('%s → %s', (message, problem, path) => {
    expect(execFailure(message)).toEqual({ problem, path });
  });

  it('does not read a mount error as an exec failure', () => {
    expect(execFailure('error during container init: error mounting "/var/lib/kubelet/pods/x/volumes/kubernetes.io~configmap/conf" to rootfs at "/etc/nginx/nginx.conf": not a directory: unknown')).toBeNull();
  });

  it('reads "No command specified" in any capitalisation (Docker ≤ 24 and ≥ 25, containerd, CRI-O, the pre-1.6 kubelet JSON)', () => {
    for (const message of ['Error response from daemon: No command specified', 'failed to generate container "x" spec: no command specified', 'runContainer: Error response from daemon: {"message":"No command specified"}']) {
      expect(isNoCommand(message)).toBe(true);
    }
  });
});

describe('runtime messages: mount failures, whatever the wrapper', () => {
  it('unescapes every nesting level and strips the rootfs from an old runc "at" path', () => {
    // rootsongjc/kubernetes-handbook#218 (Kubernetes 1.10, Docker 1.13)
    const message =
      'Error response from daemon: oci runtime error: container_linux.go:247: starting container process caused "process_linux.go:364: container init caused \\"rootfs_linux.go:54: mounting \\\\\\"/var/lib/kubelet/pods/e76b/volumes/kubernetes.io~configmap/influxdb-config\\\\\\" to rootfs \\\\\\"/var/lib/docker/overlay2/e50b/merged\\\\\\" at \\\\\\"/var/lib/docker/overlay2/e50b/merged/etc/config.toml\\\\\\" caused \\\\\\"not a directory\\\\\\"\\"" : Are you trying to mount a directory onto a file (or vice-versa)?';

    expect(normalizeRuntimeMessage(message)).toContain('mounting "/var/lib/kubelet/pods/e76b/volumes/kubernetes.io~configmap/influxdb-config" to rootfs');
    expect(mountFailure(message)).toEqual({ problem: 'not-a-directory', source: '/var/lib/kubelet/pods/e76b/volumes/kubernetes.io~configmap/influxdb-config', destination: '/etc/config.toml' });
  });

  it.each([
    // runc ≥ 1.1 through containerd (test/fixtures/k8s/dependency/mount-config/mountpoint-in-readonly-configmap.yaml)
    ['failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/var/lib/kubelet/pods/7b1c/volumes/kubernetes.io~empty-dir/cache" to rootfs at "/etc/app/cache": create mountpoint for /etc/app/cache mount: mkdirat /run/containerd/io.containerd.runtime.v2.task/k8s.io/0f1e/rootfs/etc/app/cache: read-only file system: unknown', 'read-only', '/etc/app/cache'],
    // runc before 1.1 (lijiaocn.com, Docker 18.03)
    ['caused "\\\\\\"/data/docker/overlay2/00a7/merged/proc/loadavg\\\\\\" cannot be mounted because it is located inside \\\\\\"/proc\\\\\\""', 'inside-proc', ''],
    // crun's format (src/libcrun/linux.c crun_make_error(err, errno, "mount `%s` to `%s`")) followed by glibc's strerror(ENOTDIR)
    ['mount `/var/lib/kubelet/pods/u/volume-subpaths/c/app/0` to `/etc/nginx/nginx.conf`: Not a directory', 'not-a-directory', '/etc/nginx/nginx.conf'],
  ] as const)('%s → %s', (message, problem, destination) => {
    expect(mountFailure(message)).toMatchObject({ problem, destination });
  });
});
