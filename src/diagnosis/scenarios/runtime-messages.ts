/**
 * What the container runtime said when it could not create or start a container, read for its meaning
 * whatever the wrapper. The same runc error reaches the Pod in many spellings:
 * - containerd: `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc
 *   create failed: unable to start container process: error during container init: exec: "x": …: unknown`;
 * - CRI-O: `container create failed: time="…" level=error msg="runc create failed: … exec: \"x\": …"` (runc's
 *   logrus line, quotes escaped once);
 * - dockershim / cri-dockerd: `Error response from daemon: OCI runtime create failed: container_linux.go:349:
 *   starting container process caused "exec: \"x\": …": unknown`, and older Docker `oci runtime error:
 *   container_linux.go:247: starting container process caused "process_linux.go:…: container init caused
 *   \"rootfs_linux.go:…: mounting \\\"…\\\" …\""` — every nesting level escapes the quotes once more.
 * So the message is normalized first (every run of backslashes before a quote dropped, whitespace collapsed)
 * and then matched by meaning. Pure.
 */

/** The message with escaped quotes unescaped at every nesting level and whitespace collapsed. */
export function normalizeRuntimeMessage(message: string): string {
  return message.replace(ESCAPED_QUOTES, '"').replace(WHITESPACE_RUN, ' ');
}

// Hoisted: the engine normalizes every runtime message it reads. (replace() restarts a global pattern at 0.)
const ESCAPED_QUOTES = /\\+"/g;
const WHITESPACE_RUN = /\s+/g;

// --- Missing command ---------------------------------------------------------------------------------------

// source: containerd internal/cri/opts/spec_opts.go WithProcessArgs (errors.New("no command specified")), wrapped by
// internal/cri/server/container_create.go ("failed to generate container %q spec: %w"); cri-o
// internal/factory/container/container.go (errors.New("no command specified")); moby daemon/create.go ("No command
// specified" until Docker 24, "no command specified" from 25), relayed by dockershim as "Error response from daemon:
// No command specified" and by pre-1.6 kubelets as `runContainer: Error response from daemon: {"message":"No command
// specified"}`. Matched case-insensitively.
const NO_COMMAND = /no command specified/i;

export function isNoCommand(message: string): boolean {
  return NO_COMMAND.test(message);
}

// --- Exec failures -----------------------------------------------------------------------------------------

// runc/crun failing to exec the container's process. The runtime, not the program, reports these; the process
// never ran.
// source: opencontainers/runc libcontainer/standard_init_linux.go (exec.LookPath → Go os/exec: `exec: "foo": executable
// file not found in $PATH`; an empty command gives `exec: "": executable file not found in $PATH`), libcontainer/
// system/linux.go Exec (&os.PathError{Op: "exec"} → `exec /app/server: exec format error`), and Go's
// `exec: "/app/run.sh": permission denied`, `exec: "/app/server": stat /app/server: no such file or directory`.
const EXEC_NOT_FOUND_IN_PATH = /exec: "([^"]*)": executable file not found in \$PATH/;
const EXEC_GO_ERROR = /exec:? "?([^":\s]+)"?: (?:stat [^:]+: )?(permission denied|no such file or directory|exec format error)/i;
// A command element holding a whole shell line (`exec: "sh -c …": stat sh -c …: no such file or directory`): the
// quoted name has quotes of its own, so the path is read from the unquoted stat argument.
const EXEC_STAT = /exec: "[\s\S]*?": stat ([\s\S]+?): (no such file or directory|permission denied)/i;
// source: containers/crun src/libcrun/linux.c ("executable file `%s` not found in $PATH"; crun before
// containers/crun#439 printed "executable file not found in $PATH" without the name).
const CRUN_NOT_FOUND_IN_PATH = /executable file `([^`]*)` not found in \$PATH/;
const CRUN_NOT_FOUND_NAMELESS = /executable file not found in \$PATH/;
// source: containers/crun src/libcrun/linux.c ("open executable"), as podman prints it: "open executable: Operation
// not permitted: OCI permission denied".
const CRUN_OPEN_EXECUTABLE = /open executable: (Permission denied|Operation not permitted)/i;

export type ExecProblem = 'not-in-path' | 'permission-denied' | 'no-such-file' | 'exec-format' | 'empty-command';

export interface ExecFailure {
  problem: ExecProblem;
  /** The command the runtime tried to run; '' when the message does not name it. */
  path: string;
}

/** The exec failure a (normalized or raw) runtime message reports, if any. */
export function execFailure(message: string): ExecFailure | null {
  const text = normalizeRuntimeMessage(message);
  const notFound = EXEC_NOT_FOUND_IN_PATH.exec(text) ?? CRUN_NOT_FOUND_IN_PATH.exec(text);
  if (notFound) {
    const path = notFound[1] ?? '';
    return { problem: path.trim() === '' ? 'empty-command' : 'not-in-path', path };
  }
  const goError = EXEC_GO_ERROR.exec(text) ?? EXEC_STAT.exec(text);
  if (goError) {
    const [, path = '', what = ''] = goError;
    const lower = what.toLowerCase();
    if (lower === 'permission denied') return { problem: 'permission-denied', path };
    if (lower === 'exec format error') return { problem: 'exec-format', path };
    return { problem: 'no-such-file', path };
  }
  if (CRUN_NOT_FOUND_NAMELESS.test(text)) return { problem: 'not-in-path', path: '' };
  if (CRUN_OPEN_EXECUTABLE.test(text)) return { problem: 'permission-denied', path: '' };
  return null;
}

// --- Mount failures ----------------------------------------------------------------------------------------

// source: opencontainers/runc libcontainer/rootfs_linux.go, three spellings of the same error over the years:
// runc ≤ 1.0.0-rc92 newSystemErrorWithCausef(err, "mounting %q to rootfs %q at %q") (printed `… caused "<err>"`),
// the destination being the host path under the rootfs; 1.0.0-rc93 `mounting %q to rootfs at %q caused: <err>`;
// runc ≥ 1.1 fmt.Errorf("error mounting %q to rootfs at %q: %w", m.Source, m.Destination, err).
const RUNC_MOUNT = /mounting "([^"]*)" to rootfs(?: "([^"]*)")? at "([^"]+)"/;
// source: containers/crun src/libcrun/linux.c (crun_make_error(err, errno, "mount `%s` to `%s`", source, target))
const CRUN_MOUNT = /mount `([^`]*)` to `([^`]+)`/;
// source: opencontainers/runc libcontainer/rootfs_linux.go checkProcMount ("%q cannot be mounted because it is inside
// /proc"; before runc 1.1 checkMountDestination "%q cannot be mounted because it is located inside %q").
const INSIDE_PROC = /cannot be mounted because it is (?:located )?inside "?\/proc|cannot be mounted because it is not of type proc/;
// source: moby daemon/errors.go translateContainerdStartErr (Docker 17.x-20.x): an ENOTDIR start error gets
// ": Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is
// the expected type" appended (and exit code 127).
const DOCKER_MOUNT_HINT = 'Are you trying to mount a directory onto a file (or vice-versa)?';
// Go's syscall texts (runc) and glibc's strerror (crun) spell these differently: matched case-insensitively.
const READ_ONLY_FS = /read-only file system/i;
const NOT_A_DIRECTORY = /not a directory/i;

export type MountProblem = 'inside-proc' | 'read-only' | 'not-a-directory' | 'other';

export interface MountFailure {
  problem: MountProblem;
  source: string;
  /** The mount point inside the container (the host path under the rootfs made relative again). */
  destination: string;
}

/** The mount failure a runtime message reports, if any. */
export function mountFailure(message: string): MountFailure | null {
  const text = normalizeRuntimeMessage(message);
  const runc = RUNC_MOUNT.exec(text);
  const crun = runc ? null : CRUN_MOUNT.exec(text);
  const insideProc = INSIDE_PROC.test(text);
  if (!runc && !crun && !insideProc && !text.includes(DOCKER_MOUNT_HINT)) return null;
  const source = runc?.[1] ?? crun?.[1] ?? '';
  let destination = runc?.[3] ?? crun?.[2] ?? '';
  const rootfs = runc?.[2];
  if (rootfs && destination.startsWith(`${rootfs.replace(/\/+$/, '')}/`)) destination = destination.slice(rootfs.replace(/\/+$/, '').length);
  const problem: MountProblem = insideProc ? 'inside-proc' : READ_ONLY_FS.test(text) ? 'read-only' : NOT_A_DIRECTORY.test(text) ? 'not-a-directory' : 'other';
  return { problem, source, destination };
}
