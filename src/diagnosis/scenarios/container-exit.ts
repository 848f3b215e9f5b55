/**
 * container-exit: the container's own process exits (CrashLoopBackOff, Error, Completed with
 * restarts) — not an OOM kill, not a probe kill, not a runtime start failure. `immediate` when the
 * instance ran less than settings.immediateExitSeconds, `after-running` otherwise.
 */
import type { Evidence, Finding, Remediation } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { CRASH_LOOP_BACK_OFF } from '../../contract/upstream.ts';
import { CONTAINER_CANNOT_RUN, OOM_KILLED, START_ERROR } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import { containers, exitCodeMeaning, kubectl, secondsBetween, type ContainerView } from '../support.ts';
import {
  appContainers,
  backOffEvidence,
  isCurrentTermination,
  isTerminationUnreported,
  lastTermination,
  stateEvidence,
  tellingLogLine,
  workloadRef,
  type Termination,
} from './crash-support.ts';
import { postStartKillFor, probeKillFor } from './probe-support.ts';

type Cause = CauseOf<'container-exit'>;

// OOM_KILLED terminations are the oom detector's.
// The runtime failed to start the process at all: container-create's case, not an exit of the app.
const START_FAILURE_REASONS: readonly string[] = [START_ERROR, CONTAINER_CANNOT_RUN];

interface Candidate {
  view: ContainerView;
  termination: Termination;
  cause: Cause;
}

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'container-exit'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const pod = snapshot.pod;
  // A finished Job Pod is success; a Pod being deleted is the terminating detector's.
  if (pod.status?.phase === 'Succeeded' || pod.metadata.deletionTimestamp) return null;
  const restartPolicy = pod.spec.restartPolicy ?? 'Always';

  const candidates: Candidate[] = [];
  for (const view of appContainers(containers(pod))) {
    const termination = lastTermination(view, snapshot.observedAt);
    if (!termination || !isCurrentTermination(view, termination, settings)) continue;
    const { terminated } = termination;
    if (terminated.reason === OOM_KILLED || START_FAILURE_REASONS.includes(terminated.reason ?? '')) continue;
    // A clean exit is the goal for a run-to-completion container (restartPolicy Never/OnFailure).
    if (terminated.exitCode === 0 && restartPolicy !== 'Always' && termination.from === 'state') continue;
    if (probeKillFor(snapshot, view, termination, settings) || postStartKillFor(snapshot, view, termination, settings)) continue;
    candidates.push({ view, termination, cause: causeOf(termination, settings) });
  }
  if (candidates.length === 0) {
    // Restarting, but the kubelet reports no termination (lastState {}): answer from what is there.
    const unreported = appContainers(containers(pod)).find((view) => isTerminationUnreported(view));
    return unreported ? unreportedFinding(snapshot, unreported, settings) : null;
  }
  // Primary: the container in CrashLoopBackOff, then the earliest failure in the Pod's life (immediate before after-running).
  candidates.sort(
    (a, b) =>
      Number(isLooping(b.view)) - Number(isLooping(a.view)) ||
      Number(b.cause === 'immediate') - Number(a.cause === 'immediate') ||
      (a.termination.finishedAgoSeconds ?? Infinity) - (b.termination.finishedAgoSeconds ?? Infinity),
  );
  const [primary, ...others] = candidates;
  if (!primary) return null;
  return finding(snapshot, primary, others, settings);
}

function isLooping(view: ContainerView): boolean {
  return view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF;
}

function causeOf(termination: Termination, settings: EngineSettings): Cause {
  if (termination.ranForSeconds !== null) return termination.ranForSeconds < settings.immediateExitSeconds ? 'immediate' : 'after-running';
  // No timestamps: 126/127 can only happen at exec time.
  return termination.terminated.exitCode === 126 || termination.terminated.exitCode === 127 ? 'immediate' : 'after-running';
}

function finding(snapshot: PodSnapshot, primary: Candidate, others: Candidate[], settings: EngineSettings): Finding<'container-exit'> {
  const pod = snapshot.pod;
  const { view, termination, cause } = primary;
  const { terminated } = termination;
  const code = terminated.exitCode;
  const restarts = view.status?.restartCount ?? 0;

  const evidence: Evidence[] = [
    ...stateEvidence(view),
    {
      kind: 'exit-code',
      container: view.name,
      exitCode: code,
      reason: terminated.reason ?? null,
      meaning: exitCodeMeaning(code, terminated.reason),
      ranForSeconds: termination.ranForSeconds,
      finishedAt: terminated.finishedAt ?? null,
    },
  ];
  if (terminated.message) evidence.push({ kind: 'status', field: `${termination.field}.message`, value: terminated.message });
  const backOff = backOffEvidence(snapshot, view.name, settings);
  if (backOff) evidence.push(backOff);
  const log = tellingLogLine(snapshot, view.name, termination.from === 'lastState' || view.status?.state?.running === undefined);
  if (log) evidence.push(log);
  const command = [...(view.spec?.command ?? []), ...(view.spec?.args ?? [])];
  if (command.length > 0 && (code === 126 || code === 127 || code === 0 || code === 2)) {
    evidence.push({ kind: 'spec', field: `${view.specPath}.${view.spec?.command ? 'command' : 'args'}`, value: JSON.stringify(command) });
  }
  for (const other of others) {
    evidence.push({
      kind: 'exit-code',
      container: other.view.name,
      exitCode: other.termination.terminated.exitCode,
      reason: other.termination.terminated.reason ?? null,
      meaning: exitCodeMeaning(other.termination.terminated.exitCode, other.termination.terminated.reason),
      ranForSeconds: other.termination.ranForSeconds,
      finishedAt: other.termination.terminated.finishedAt ?? null,
    });
  }

  const ran = termination.ranForSeconds !== null ? formatDuration(termination.ranForSeconds) : null;
  const when = cause === 'immediate' ? `right after start${ran ? ` (ran ${ran})` : ''}` : `after running${ran ? ` ${ran}` : ' for a while'}`;
  const looping = isLooping(view) ? ', now in CrashLoopBackOff' : '';
  const restartText = restarts > 0 ? `; ${restarts} restart${restarts === 1 ? '' : 's'}${looping}` : '';
  const logText = log?.kind === 'log' ? ` Last telling log line: "${log.line}".` : '';
  return {
    scenario: 'container-exit',
    cause,
    otherCauses: others.map((o) => o.cause).filter((c) => c !== cause),
    summary: `Container ${view.name} of Pod ${pod.metadata.name} exits ${when} with exit code ${code} (${shortMeaning(code)})${restartText}.${logText}`,
    evidence,
    remediation: remediationFor(snapshot, view, code, cause),
    actions: [
      { action: 'show-logs', reason: `See the log of container ${view.name}'s crashed instance.` },
      { action: 'rediagnose', reason: 'Check again after fixing the image, command or configuration.' },
    ],
  };
}

// Short phrases for the summary; the exit-code evidence carries exitCodeMeaning()'s full text.
const SHORT_MEANINGS: Record<number, string> = {
  0: 'success: the main process had nothing left to do',
  1: 'application error',
  2: 'bad arguments, or an unrecovered Go panic',
  126: 'command not executable',
  127: 'command not found',
  130: 'SIGINT',
  134: 'SIGABRT: the process aborted',
  137: 'SIGKILL from outside, not OOMKilled',
  139: 'SIGSEGV: segmentation fault',
  143: 'SIGTERM: asked to stop',
  255: 'fatal error or exit status out of range',
};

function shortMeaning(code: number): string {
  const known = SHORT_MEANINGS[code];
  if (known) return known;
  return code > 128 && code < 160 ? `killed by signal ${code - 128}` : 'application-defined';
}

function remediationFor(snapshot: PodSnapshot, view: ContainerView, code: number, cause: Cause): Remediation[] {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const image = view.spec?.image ?? 'the image';
  const logs: Remediation = {
    text: `Read the crashed instance's log.`,
    command: kubectl(ns, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(view.name)} --previous`),
  };
  const workload = workloadRef(snapshot);
  const rollout = workload && /^(deployment|statefulset|daemonset)\//.test(workload) ? workload : null;
  const debug = kubectl(ns, `debug ${shellQuote(pod.metadata.name)} -it --copy-to=${shellQuote(pod.metadata.name)}-debug --container=${shellQuote(view.name)} -- sh`);
  switch (code) {
    case 127:
      return [
        { text: `The command in ${view.specPath}.command/args (or the image's ENTRYPOINT/CMD) does not exist in ${image}: fix the path or name, or install the binary in the image.`, command: debug },
        logs,
      ];
    case 126:
      return [
        { text: `The command exists in ${image} but cannot be executed: make it executable (chmod +x in the Dockerfile) and check it is built for the node's architecture.`, command: debug },
        logs,
      ];
    case 0:
      return [
        {
          text:
            `The main process finishes and exits 0, so the kubelet restarts it (restartPolicy ${pod.spec.restartPolicy ?? 'Always'}). ` +
            `Run the server in the foreground (e.g. no daemon mode), or run one-off work as a Job instead of a Deployment.`,
        },
        logs,
      ];
    case 1:
    case 2:
      return [
        {
          text:
            cause === 'immediate'
              ? `The app fails at start-up: check its configuration (environment variables, ConfigMaps, Secrets, arguments) against the error in its log.`
              : `The app stopped with an error after running: the log's last lines name it (a panic, an uncaught exception, a lost dependency).`,
        },
        logs,
      ];
    case 139:
    case 134:
      return [
        {
          text: `The process crashed in native code (${code === 139 ? 'segmentation fault' : 'abort'}): check native libraries and the base image, and roll back to the last image that worked.`,
          ...(rollout ? { command: kubectl(ns, `rollout history ${shellQuote(rollout)}`) } : {}),
        },
        logs,
      ];
    case 137:
      return [
        {
          text:
            `SIGKILL without OOMKilled and without a probe kill: something outside the app killed it (a forced stop, a node-level agent, or the grace period running out). ` +
            `Check the Pod's and the node's events around the time it finished.`,
          command: kubectl(ns, `get events --field-selector involvedObject.name=${shellQuote(pod.metadata.name)} --sort-by=.lastTimestamp`),
        },
        logs,
      ];
    case 143:
      return [
        { text: `The process was asked to stop (SIGTERM) and did; find who sent it: events about the Pod, a sidecar or supervisor inside the container, or the app stopping itself.`, command: kubectl(ns, `describe pod ${shellQuote(pod.metadata.name)}`) },
        logs,
      ];
    default:
      return [{ text: `Exit code ${code} is the application's own: look it up in the app's documentation and its log.` }, logs];
  }
}

// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff (waiting message "back-off %s restarting
// failed container=%s pod=%s", older kubelets "Back-off %s restarting failed container=%s pod=%s", the duration in Go's
// time.Duration format) and pkg/kubelet/kubelet.go (backOffPeriod 10 s, MaxContainerBackOff 300 s: the back-off
// doubles from 10 s up to 5 minutes).
const BACK_OFF_WAITING = /^[Bb]ack-off ((?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s)?) restarting failed container/;
const INITIAL_BACK_OFF_SECONDS = 10;
const MAX_BACK_OFF_SECONDS = 300;

/**
 * A container in CrashLoopBackOff whose last termination the kubelet did not report (an older kubelet, a Pod read
 * right after a kubelet restart, a pasted report): the exit code is unknown, so say so, and estimate how long each run
 * lasted from the restarts, the Pod's age and the kubelet's back-off (which leaves the rest of the time to the runs).
 */
function unreportedFinding(snapshot: PodSnapshot, view: ContainerView, settings: EngineSettings): Finding<'container-exit'> {
  const pod = snapshot.pod;
  const restarts = view.status?.restartCount ?? 0;
  const waitingMessage = view.status?.state?.waiting?.message ?? '';
  const averageRun = averageRunSeconds(snapshot, restarts, parseGoDuration(BACK_OFF_WAITING.exec(waitingMessage)?.[1]));
  const cause: Cause = averageRun !== null && averageRun >= settings.immediateExitSeconds ? 'after-running' : 'immediate';
  const evidence: Evidence[] = [
    ...stateEvidence(view),
    { kind: 'status', field: `${view.statusPath}.lastState`, value: '{} (exit code unknown: the kubelet did not report the last termination)' },
  ];
  const backOff = backOffEvidence(snapshot, view.name, settings);
  if (backOff) evidence.push(backOff);
  const log = tellingLogLine(snapshot, view.name, true);
  if (log) evidence.push(log);
  const runs = averageRun === null
    ? ''
    : ` From ${restarts} restarts since the Pod started and the kubelet's back-off, each run lasted about ${formatDuration(averageRun)}${cause === 'immediate' ? ', so it exits right after start' : ''}.`;
  const logText = log?.kind === 'log' ? ` Last telling log line: "${log.line}".` : '';
  return {
    scenario: 'container-exit',
    cause,
    otherCauses: [],
    summary:
      `Container ${view.name} of Pod ${pod.metadata.name} keeps exiting (${restarts} restart${restarts === 1 ? '' : 's'}, now in CrashLoopBackOff); ` +
      `exit code unknown: the kubelet did not report the last termination.${runs}${logText}`,
    evidence,
    remediation: [
      { text: `Read the crashed instance's log: it says why the process stopped.`, command: kubectl(pod.metadata.namespace, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(view.name)} --previous`) },
      {
        text: 'The exit code and reason appear in lastState once the kubelet reports the next termination; describe the Pod again after the next restart (an OOMKilled reason there would make this an OOM kill).',
        command: kubectl(pod.metadata.namespace, `describe pod ${shellQuote(pod.metadata.name)}`),
      },
    ],
    actions: [
      { action: 'show-logs', reason: `See the log of container ${view.name}'s crashed instance.` },
      { action: 'rediagnose', reason: 'Check again once the next termination is reported.' },
    ],
  };
}

/** Seconds per run: the Pod's age minus the back-offs the kubelet waited, shared among the runs (restarts + 1). */
function averageRunSeconds(snapshot: PodSnapshot, restarts: number, currentBackOff: number | null): number | null {
  const age = secondsBetween(snapshot.pod.status?.startTime ?? snapshot.pod.metadata.creationTimestamp, snapshot.observedAt);
  if (age === null || age < 0 || restarts <= 0) return null;
  let waited = currentBackOff ?? Math.min(INITIAL_BACK_OFF_SECONDS * 2 ** restarts, MAX_BACK_OFF_SECONDS);
  for (let i = 0; i < restarts; i++) waited += Math.min(INITIAL_BACK_OFF_SECONDS * 2 ** i, MAX_BACK_OFF_SECONDS);
  return Math.max(0, Math.round((age - waited) / (restarts + 1)));
}

/** `2m40s`, `5m0s`, `10s`, `1h0m0s` → seconds. */
function parseGoDuration(text: string | undefined): number | null {
  if (!text) return null;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!match || text === '') return null;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

export const containerExit: Detector<'container-exit'> = {
  scenario: 'container-exit',
  detect,
};
