/**
 * hook: a container lifecycle hook fails. A failing postStart makes the kubelet kill the container it
 * just started, every time, so the container never stays up; a failing preStop means the graceful
 * shutdown step (drain, deregister) did not run before the container was stopped.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { KubeEvent, LifecycleHandler, Pod } from '../../contract/k8s.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { EVENT_KILLING, FAILED_POST_START_HOOK, FAILED_PRE_STOP_HOOK, POST_START_HOOK_ERROR } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  clip,
  containers,
  eventEvidence,
  eventLastSeen,
  exitCodeMeaning,
  kubectl,
  podEvents,
  secondsBetween,
  type ContainerView,
} from '../support.ts';

type HookCause = 'post-start' | 'pre-stop';

// Event reasons FAILED_POST_START_HOOK, FAILED_PRE_STOP_HOOK and EVENT_KILLING: src/contract/upstream.ts.
// POST_START_HOOK_ERROR (src/contract/upstream.ts) is the waiting reason until the next restart attempt.
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer: the event text is fixed
// ("PostStartHook failed", so secrets in the handler output do not leak); older kubelets put the handler message there.
const POST_START_FAILED_MESSAGE = 'PostStartHook failed';
// Handler messages. source: kubernetes pkg/kubelet/lifecycle/handlers.go handlerRunner.Run
// ("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %v, message: %q",
//  "HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %v" — "Http …" before 1.24)
const HOOK_MESSAGE_CONTAINER = /lifecycle hook \(.*?\) for Container "([^"]+)"/;
const HOOK_MESSAGE_ERROR = / failed - error: (.*?)(?:, message: "(.*)")?$/s;
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions
// ("Container %s failed liveness probe" / "… startup probe", + ", will be restarted"): such kills are the probe's story
const PROBE_KILL = / failed (?:liveness|startup) probe/;

interface HookFailure {
  cause: HookCause;
  view: ContainerView;
  handler: LifecycleHandler | undefined;
  events: KubeEvent[];
  /** The handler's own error text, from a waiting message or an old-style event. */
  detail: string | null;
}

export const hook: Detector<'hook'> = {
  scenario: 'hook',
  detect(snapshot: Snapshot, settings: EngineSettings): Finding<'hook'> | null {
    if (snapshot.kind !== 'Pod') return null;
    const pod = snapshot.pod;
    const views = containers(pod);
    const hookEvents = podEvents(snapshot, [FAILED_POST_START_HOOK, FAILED_PRE_STOP_HOOK], settings.eventStaleSeconds);
    // Counted once: per container it made a Pod with 200 containers cost 200³ lookups (found by test/robustness).
    const withPostStart = views.filter((v) => v.spec?.lifecycle?.postStart).length;
    const withPreStop = views.filter((v) => v.spec?.lifecycle?.preStop).length;
    const failures: HookFailure[] = [];
    for (const view of views) {
      const postStart = postStartFailure(snapshot, view, hookEvents, withPostStart, settings);
      if (postStart) failures.push(postStart);
    }
    for (const view of views) {
      const preStop = preStopFailure(snapshot, view, hookEvents, withPreStop, settings);
      if (preStop) failures.push(preStop);
    }
    // A failing postStart keeps the container from running at all: it comes first.
    const primary = failures[0];
    if (!primary) return null;
    const otherCauses = [...new Set(failures.map((f) => f.cause))].filter((c) => c !== primary.cause);
    return {
      scenario: 'hook',
      cause: primary.cause,
      otherCauses,
      summary: summarize(snapshot, primary),
      evidence: evidenceFor(snapshot, primary, failures.slice(1)),
      remediation: remediationFor(pod, primary),
      actions: actionsFor(primary),
    };
  },
};

/** Which container a hook event is about: its fieldPath (pkg/kubelet/container/ref.go), else the handler message. */
function eventContainer(event: KubeEvent): string | null {
  const fromPath = /^spec\.(?:initContainers|containers)\{(.+)\}$/.exec(event.involvedObject.fieldPath ?? '')?.[1];
  if (fromPath) return fromPath;
  return HOOK_MESSAGE_CONTAINER.exec(event.message ?? '')?.[1] ?? null;
}

function eventsFor(events: KubeEvent[], view: ContainerView, reason: string, handler: LifecycleHandler | undefined, withHook: number): KubeEvent[] {
  return events.filter((e) => {
    if (e.reason !== reason) return false;
    const container = eventContainer(e);
    // Without a container name, attribute it to the only container that has such a hook.
    return container ? container === view.name : handler !== undefined && withHook === 1;
  });
}

/** `withHook`: how many of the Pod's containers have a postStart hook. */
function postStartFailure(
  snapshot: PodSnapshot,
  view: ContainerView,
  hookEvents: KubeEvent[],
  withHook: number,
  settings: EngineSettings,
): HookFailure | null {
  const handler = view.spec?.lifecycle?.postStart;
  const events = eventsFor(hookEvents, view, FAILED_POST_START_HOOK, handler, withHook);
  const waiting = view.status?.state?.waiting;
  const statusSaysSo = waiting?.reason === POST_START_HOOK_ERROR;
  if (events.length === 0 && !statusSaysSo) return null;
  if (!statusSaysSo && isHealthySince(snapshot, view, events, settings)) return null;
  const detail = statusSaysSo && waiting?.message ? waiting.message : events.map((e) => e.message ?? '').find((m) => m !== POST_START_FAILED_MESSAGE && m !== '') ?? null;
  return { cause: 'post-start', view, handler, events, detail };
}

/**
 * A container that has been running and ready since its last hook failure, for longer than a
 * restart counts as recent, has recovered: the old event is history.
 */
function isHealthySince(snapshot: PodSnapshot, view: ContainerView, events: KubeEvent[], settings: EngineSettings): boolean {
  const status = view.status;
  const startedAt = status?.state?.running?.startedAt;
  if (!status?.ready || !startedAt) return false;
  const newest = events[0] ? eventLastSeen(events[0]) : undefined;
  const failedBeforeStart = newest === undefined || (secondsBetween(newest, startedAt) ?? -1) >= 0;
  const upFor = secondsBetween(startedAt, snapshot.observedAt) ?? 0;
  return failedBeforeStart && upFor >= settings.recentRestartSeconds;
}

/** `withHook`: how many of the Pod's containers have a preStop hook. */
function preStopFailure(
  snapshot: PodSnapshot,
  view: ContainerView,
  hookEvents: KubeEvent[],
  withHook: number,
  settings: EngineSettings,
): HookFailure | null {
  const handler = view.spec?.lifecycle?.preStop;
  const events = eventsFor(hookEvents, view, FAILED_PRE_STOP_HOOK, handler, withHook);
  if (events.length === 0) return null;
  // A preStop that failed while a probe was killing the container is a footnote to the probe failure.
  const probeKill = podEvents(snapshot, [EVENT_KILLING], settings.eventStaleSeconds).some(
    (e) => eventContainer(e) === view.name && PROBE_KILL.test(e.message ?? ''),
  );
  if (probeKill) return null;
  const detail = events.map((e) => e.message ?? '').find((m) => HOOK_MESSAGE_ERROR.test(m)) ?? null;
  return { cause: 'pre-stop', view, handler, events, detail };
}

function hookName(cause: HookCause): 'postStart' | 'preStop' {
  return cause === 'post-start' ? 'postStart' : 'preStop';
}

/** `exec [/bin/sh -c /opt/register.sh]`, `httpGet GET http://:8080/warmup`, `sleep 5s`. */
export function describeHandler(handler: LifecycleHandler | undefined): string {
  if (!handler) return 'a hook that is no longer in the spec';
  if (handler.exec) return `exec [${(handler.exec.command ?? []).join(' ')}]`;
  if (handler.httpGet) {
    const scheme = (handler.httpGet.scheme ?? 'HTTP').toLowerCase();
    return `httpGet ${scheme}://:${handler.httpGet.port}${handler.httpGet.path ?? '/'}`;
  }
  if (handler.sleep) return `sleep ${handler.sleep.seconds}s`;
  if (handler.tcpSocket) return `tcpSocket :${handler.tcpSocket.port} (deprecated, not run by the kubelet)`;
  return 'an empty handler';
}

/** The handler's error, without the "… lifecycle hook (…) for Container … failed - error:" preamble. */
function hookError(detail: string | null): string | null {
  if (!detail) return null;
  const match = HOOK_MESSAGE_ERROR.exec(detail);
  const error = match?.[1]?.replace(/\s+/g, ' ').replace(/[:\s]+$/, '').trim();
  if (!error) return clip(detail, 200);
  // The exec form repeats the command's output after ", message:"; the error already ends with its stderr.
  const output = match?.[2]?.replace(/\\n/g, ' ').replace(/\s+/g, ' ').trim();
  return clip(output && !error.includes(output) ? `${error} (output: ${output})` : error, 200);
}

/** The exit code in an exec hook error ("command '…' exited with 127: …"), source: kubelet cri remote_runtime.go ExecSync. */
function hookExitCode(detail: string | null): number | null {
  const code = /exited with (\d+)/.exec(detail ?? '')?.[1];
  return code === undefined ? null : Number(code);
}

function summarize(snapshot: PodSnapshot, f: HookFailure): string {
  const name = f.view.name;
  const how = describeHandler(f.handler);
  const error = hookError(f.detail);
  const because = error ? `: ${error}` : '';
  if (f.cause === 'post-start') {
    const restarts = f.view.status?.restartCount ?? 0;
    return `The postStart hook of container ${name} (${how}) fails${because}, so the kubelet kills the container right after each start (${restarts} restart${restarts === 1 ? '' : 's'}).`;
  }
  const newest = f.events[0];
  const age = newest ? secondsBetween(eventLastSeen(newest), snapshot.observedAt) : null;
  const when = age !== null ? ` ${formatDuration(age)} ago` : '';
  const terminating = snapshot.pod.metadata.deletionTimestamp ? ' while the Pod was being deleted' : '';
  return `The preStop hook of container ${name} (${how}) failed${when}${terminating}${because}, so its graceful-shutdown step did not run before the container was stopped.`;
}

function evidenceFor(snapshot: PodSnapshot, f: HookFailure, others: HookFailure[]): Evidence[] {
  const { view } = f;
  const evidence: Evidence[] = [];
  for (const event of f.events.slice(0, 2)) evidence.push(eventEvidence(event, snapshot.observedAt));
  evidence.push({ kind: 'spec', field: `${view.specPath}.lifecycle.${hookName(f.cause)}`, value: describeHandler(f.handler) });
  const status = view.status;
  if (f.cause === 'post-start') {
    const waiting = status?.state?.waiting;
    if (waiting?.reason) evidence.push({ kind: 'status', field: `${view.statusPath}.state.waiting.reason`, value: waiting.reason });
    if (waiting?.reason === POST_START_HOOK_ERROR && waiting.message) {
      evidence.push({ kind: 'status', field: `${view.statusPath}.state.waiting.message`, value: clip(waiting.message, 500) });
    }
    evidence.push({ kind: 'status', field: `${view.statusPath}.restartCount`, value: String(status?.restartCount ?? 0) });
    const last = status?.lastState?.terminated;
    if (last) {
      evidence.push({
        kind: 'exit-code',
        container: view.name,
        exitCode: last.exitCode,
        reason: last.reason ?? null,
        meaning: `stopped by the kubelet after the postStart hook failed; ${last.exitCode === 0 ? '0: the process exited cleanly on SIGTERM' : exitCodeMeaning(last.exitCode, last.reason)}`,
        ranForSeconds: secondsBetween(last.startedAt, last.finishedAt),
        finishedAt: last.finishedAt ?? null,
      });
    }
    const killing = podEvents(snapshot, [EVENT_KILLING]).find((e) => eventContainer(e) === view.name && e.message === FAILED_POST_START_HOOK);
    if (killing) evidence.push(eventEvidence(killing, snapshot.observedAt));
  } else {
    const pod = snapshot.pod;
    if (pod.metadata.deletionTimestamp) {
      evidence.push({ kind: 'status', field: 'metadata.deletionTimestamp', value: pod.metadata.deletionTimestamp });
    }
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
    if (grace !== undefined) evidence.push({ kind: 'spec', field: 'spec.terminationGracePeriodSeconds', value: String(grace) });
    const killing = podEvents(snapshot, [EVENT_KILLING]).find((e) => eventContainer(e) === view.name);
    if (killing) evidence.push(eventEvidence(killing, snapshot.observedAt));
  }
  for (const other of others) {
    const newest = other.events[0];
    if (newest) evidence.push(eventEvidence(newest, snapshot.observedAt));
  }
  return evidence;
}

function remediationFor(pod: Pod, f: HookFailure): Remediation[] {
  const ns = pod.metadata.namespace;
  const name = f.view.name;
  const field = `${f.view.specPath}.lifecycle.${hookName(f.cause)}`;
  const handler = f.handler;
  const out: Remediation[] = [];
  if (f.cause === 'post-start') {
    if (handler?.exec) {
      const command = (handler.exec.command ?? []).map(shellQuote).join(' ');
      out.push({
        text: `Run the hook by hand while the container is up to see its error; postStart runs concurrently with the entrypoint, so it must not assume the app (or files it creates) is ready yet — retry inside the hook, or move the step to an init container.`,
        command: command ? kubectl(ns, `exec ${shellQuote(pod.metadata.name)} -c ${shellQuote(name)} -- ${command}`) : undefined,
      });
    } else if (handler?.httpGet) {
      out.push({
        text: `The kubelet calls ${describeHandler(handler).replace(/^httpGet /, '')} on the Pod IP immediately after the container starts, usually before the app listens. Check port ${handler.httpGet.port} and path ${handler.httpGet.path ?? '/'} in ${field}, or replace the hook with an exec hook that retries, or a startup probe.`,
      });
    } else {
      out.push({ text: `Check ${field}: the kubelet could not run it.` });
    }
    out.push({ text: `The container's own log before the kill often shows why the hook failed.`, command: kubectl(ns, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(name)} --previous`) });
  } else {
    if (handler?.exec) {
      const binary = handler.exec.command?.[0];
      const code = hookExitCode(f.detail);
      const missing = code === 126 || code === 127 || /no such file or directory|executable file not found/.test(f.detail ?? '');
      out.push(
        missing || code === null
          ? {
              text: `Check that the preStop command exists and is executable in the image (minimal/distroless images often lack ${binary ?? 'the binary'} or a shell); for a plain delay use lifecycle.preStop.sleep (Kubernetes 1.30+).`,
              command: binary ? kubectl(ns, `exec ${shellQuote(pod.metadata.name)} -c ${shellQuote(name)} -- ls -l ${shellQuote(binary)}`) : undefined,
            }
          : { text: `The preStop command ran and exited ${code}; its output above says why. Fix what it depends on at shutdown, or make it exit 0 when there is nothing to drain.` },
      );
    } else if (handler?.httpGet) {
      out.push({ text: `The kubelet could not call ${describeHandler(handler).replace(/^httpGet /, '')} on the Pod at shutdown: check the port and path in ${field} and that the app still serves them while stopping.` });
    } else {
      out.push({ text: `Check ${field}: the kubelet could not run it.` });
    }
    out.push({ text: `A failed preStop does not delay termination: the kubelet sends SIGTERM anyway, so connections are not drained. Keep the hook shorter than terminationGracePeriodSeconds (${pod.spec.terminationGracePeriodSeconds ?? 30}s).` });
  }
  out.push({ text: 'See the hook events in order.', command: kubectl(ns, `describe pod ${shellQuote(pod.metadata.name)}`) });
  return out;
}

function actionsFor(f: HookFailure): SuggestedAction[] {
  const actions: SuggestedAction[] = [];
  if (f.cause === 'post-start') {
    actions.push({ action: 'show-logs', reason: `The log of ${f.view.name}'s killed instance may show why its postStart hook failed.` });
  }
  actions.push({ action: 'rediagnose', reason: 'Check again after fixing the hook.' });
  return actions;
}
