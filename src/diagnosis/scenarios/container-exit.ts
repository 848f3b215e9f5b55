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
import type { Detector } from '../detector.ts';
import { containers, exitCodeMeaning, kubectl, type ContainerView } from '../support.ts';
import {
  appContainers,
  backOffEvidence,
  isCurrentTermination,
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
  if (candidates.length === 0) return null;
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
    command: kubectl(ns, `logs ${pod.metadata.name} -c ${view.name} --previous`),
  };
  const workload = workloadRef(snapshot);
  const rollout = workload && /^(deployment|statefulset|daemonset)\//.test(workload) ? workload : null;
  const debug = kubectl(ns, `debug ${pod.metadata.name} -it --copy-to=${pod.metadata.name}-debug --container=${view.name} -- sh`);
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
          ...(rollout ? { command: kubectl(ns, `rollout history ${rollout}`) } : {}),
        },
        logs,
      ];
    case 137:
      return [
        {
          text:
            `SIGKILL without OOMKilled and without a probe kill: something outside the app killed it (a forced stop, a node-level agent, or the grace period running out). ` +
            `Check the Pod's and the node's events around the time it finished.`,
          command: kubectl(ns, `get events --field-selector involvedObject.name=${pod.metadata.name} --sort-by=.lastTimestamp`),
        },
        logs,
      ];
    case 143:
      return [
        { text: `The process was asked to stop (SIGTERM) and did; find who sent it: events about the Pod, a sidecar or supervisor inside the container, or the app stopping itself.`, command: kubectl(ns, `describe pod ${pod.metadata.name}`) },
        logs,
      ];
    default:
      return [{ text: `Exit code ${code} is the application's own: look it up in the app's documentation and its log.` }, logs];
  }
}

export const containerExit: Detector<'container-exit'> = {
  scenario: 'container-exit',
  detect,
};
