/**
 * The kubelet's retry clocks as pure functions of time, so a failing Pod's state at any moment can be
 * computed from when its failure began: the simulator renders it at creation and again after every
 * advance, and both agree.
 *
 * Container restarts and image pulls use client-go's flowcontrol.Backoff with a 10 s base doubling to a
 * 300 s cap and no jitter; an entry older than twice the cap is forgotten, so a container that ran longer
 * than 10 minutes starts again at 10 s.
 * source: kubernetes/kubernetes pkg/kubelet/kubelet.go (backOffPeriod = 10s, MaxContainerBackOff = 300s,
 *   flowcontrol.NewBackOff for containers and images); staging/src/k8s.io/client-go/util/flowcontrol/backoff.go
 *   (Next: reset when hasExpired — eventTime − lastUpdate > 2·maxDuration —, else double up to the cap;
 *   IsInBackOffSince, IsInBackOffSinceUpdate); pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff:
 *   the first restart after a crash has no back-off entry yet, so it is immediate).
 * A sync that fails (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError) is retried by the pod
 * worker after wait.Jitter(10s, 0.5), i.e. every 10–15 s: the simulator uses the mean, 12.5 s.
 * source: pkg/kubelet/pod_workers.go (workerBackOffPeriodJitterFactor = 0.5, completeWork requeue on error).
 */

export const BACKOFF_INITIAL_SECONDS = 10;
export const BACKOFF_MAX_SECONDS = 300;
export const SYNC_RETRY_SECONDS = 12.5;
/** PLEG relists every second: the kubelet notices an exit within about a second. source: pkg/kubelet/pleg/generic.go */
const PLEG_SECONDS = 1;

export interface Run {
  /** Container start (ms); for a start that failed in the runtime, the attempt time. */
  startMs: number;
  /** Exit (ms); undefined while running. */
  endMs?: number;
  /** The back-off the kubelet waits after this exit before the next start (0 for the first crash). */
  backoffSeconds?: number;
  /** The next start (ms) when it has happened or is scheduled. */
  nextStartMs?: number;
}

export interface CrashState {
  /** Runs that have started by `atMs`, oldest first. */
  runs: Run[];
  restartCount: number;
  phase: 'not-started' | 'running' | 'backoff' | 'exited';
  current?: Run;
  /** The last finished run, when there is one. */
  last?: Run;
  /** The back-off in force (seconds) while phase is 'backoff'. */
  backoffSeconds?: number;
}

/**
 * A container that runs `runSeconds` and exits, again and again, from `firstStartMs` on.
 * `runSeconds` 0 models a start the runtime refuses (StartError).
 */
export function crashLoop(firstStartMs: number, runSeconds: number, atMs: number): CrashState {
  const runs: Run[] = [];
  if (atMs < firstStartMs) return { runs, restartCount: 0, phase: 'not-started' };
  let start = firstStartMs;
  let entry: { backoff: number; lastUpdate: number } | undefined;
  for (;;) {
    const run: Run = { startMs: start };
    runs.push(run);
    const end = start + runSeconds * 1000;
    if (atMs < end) {
      return { runs, restartCount: runs.length - 1, phase: 'running', current: run, last: runs.at(-2) };
    }
    run.endMs = end;
    // IsInBackOffSince(key, finishedAt): an entry that is not expired holds the restart back.
    const expired = entry === undefined || end - entry.lastUpdate > 2 * BACKOFF_MAX_SECONDS * 1000;
    const delay = expired ? 0 : (entry?.backoff ?? 0);
    run.backoffSeconds = delay;
    const restart = end + delay * 1000 + PLEG_SECONDS * 1000;
    run.nextStartMs = restart;
    if (atMs < restart) {
      return { runs, restartCount: runs.length - 1, phase: delay > 0 ? 'backoff' : 'exited', last: run, ...(delay > 0 ? { backoffSeconds: delay } : {}) };
    }
    // Next(key, finishedAt) at the restart.
    entry = expired || entry === undefined
      ? { backoff: BACKOFF_INITIAL_SECONDS, lastUpdate: restart }
      : { backoff: Math.min(entry.backoff * 2, BACKOFF_MAX_SECONDS), lastUpdate: restart };
    start = restart;
  }
}

export interface PullAttempt {
  startMs: number;
  /** When the pull failed; undefined while the pull is still running. */
  failMs?: number;
  /** When the next attempt starts (first sync after the back-off). */
  nextMs?: number;
}

/**
 * Image pulls that fail after `pullSeconds`, retried with the image back-off (IsInBackOffSinceUpdate),
 * the retry happening at the first pod-worker sync after the back-off ends.
 * source: pkg/kubelet/images/image_manager.go (EnsureImageExists / pullImage: backOff.Next on failure,
 *   IsInBackOffSinceUpdate → "Back-off pulling image %q").
 */
export function pullRetries(firstMs: number, pullSeconds: number, atMs: number): PullAttempt[] {
  const attempts: PullAttempt[] = [];
  let start = firstMs;
  let entry: { backoff: number; lastUpdate: number } | undefined;
  while (start <= atMs) {
    const attempt: PullAttempt = { startMs: start };
    attempts.push(attempt);
    const fail = start + pullSeconds * 1000;
    if (atMs < fail) break;
    attempt.failMs = fail;
    entry = entry === undefined || fail - entry.lastUpdate > 2 * BACKOFF_MAX_SECONDS * 1000
      ? { backoff: BACKOFF_INITIAL_SECONDS, lastUpdate: fail }
      : { backoff: Math.min(entry.backoff * 2, BACKOFF_MAX_SECONDS), lastUpdate: fail };
    const syncs = Math.ceil(entry.backoff / SYNC_RETRY_SECONDS);
    attempt.nextMs = fail + syncs * SYNC_RETRY_SECONDS * 1000;
    start = attempt.nextMs;
  }
  return attempts;
}

/**
 * Retry times of a controller work queue item that keeps failing: client-go's default controller rate
 * limiter, exponential from 5 ms doubling to a 1000 s cap.
 * source: staging/src/k8s.io/client-go/util/workqueue/default_rate_limiters.go (DefaultControllerRateLimiter:
 *   NewItemExponentialFailureRateLimiter(5*time.Millisecond, 1000*time.Second)).
 */
export function controllerRetryCount(firstMs: number, atMs: number): { count: number; lastMs: number } {
  if (atMs < firstMs) return { count: 0, lastMs: firstMs };
  let t = firstMs;
  let delay = 0.005;
  let count = 1;
  for (;;) {
    const next = t + delay * 1000;
    if (next > atMs) return { count, lastMs: t };
    t = next;
    count += 1;
    delay = Math.min(delay * 2, 1000);
  }
}

/** How many periodic ticks at fromMs, fromMs + period, … have happened by atMs, and when the last was. */
export function ticks(fromMs: number, periodSeconds: number, atMs: number): { count: number; lastMs: number } {
  if (atMs < fromMs) return { count: 0, lastMs: fromMs };
  const count = Math.floor((atMs - fromMs) / (periodSeconds * 1000)) + 1;
  return { count, lastMs: fromMs + (count - 1) * periodSeconds * 1000 };
}
