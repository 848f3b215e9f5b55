/**
 * liveness-probe: the kubelet kills and restarts a container because its liveness (or startup)
 * probe fails. The kill shows as exit 137 or 143 with reason Error — not OOMKilled — next to
 * "Liveness probe failed: …" Unhealthy events and a Killing event "Container X failed liveness probe".
 * A kill still in flight (Killing recorded, the container still running through its grace period) is
 * reported too: otherwise each crash cycle would have a window in which the Pod looks like a plain exit.
 */
import type { Evidence, Finding, Remediation } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { CRASH_LOOP_BACK_OFF } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import { containers, eventEvidence, exitCodeMeaning, kubectl, secondsBetween, type ContainerView } from '../support.ts';
import {
  appContainers,
  backOffEvidence,
  isCurrentTermination,
  isTerminationUnreported,
  lastSeen,
  lastTermination,
  stateEvidence,
  tellingLogLine,
  type Termination,
} from './crash-support.ts';
import {
  classifyFailure,
  describeProbe,
  failureRemediation,
  probeField,
  probeHints,
  probeKillFor,
  probeFailureEvents,
  probeKillInProgress,
  probeOf,
  unreportedProbeKill,
  type ProbeKill,
} from './probe-support.ts';

interface Candidate {
  view: ContainerView;
  /** The last termination on record; for a kill in progress, the previous instance's (or none yet). */
  termination: Termination | null;
  kill: ProbeKill;
}

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'liveness-probe'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const pod = snapshot.pod;
  if (pod.metadata.deletionTimestamp) return null;
  if (pod.status?.phase === 'Succeeded') return null;

  const candidates: Candidate[] = [];
  for (const view of appContainers(containers(pod))) {
    const termination = lastTermination(view, snapshot.observedAt);
    // The running instance is being killed: a present failure whatever the previous termination was.
    const current = probeKillInProgress(snapshot, view, settings);
    if (current) {
      candidates.push({ view, termination, kill: current });
      continue;
    }
    if (!termination) {
      // Restarted, but the kubelet reports no termination (lastState {}): its Killing event tells why.
      const kill = isTerminationUnreported(view) ? unreportedProbeKill(snapshot, view, settings) : null;
      if (kill) candidates.push({ view, termination: null, kill });
      continue;
    }
    if (!isCurrentTermination(view, termination, settings)) continue;
    const kill = probeKillFor(snapshot, view, termination, settings);
    if (kill) candidates.push({ view, termination, kill });
  }
  if (candidates.length === 0) return null;
  // The container stuck in CrashLoopBackOff first, then the most recent kill (one in progress is the newest).
  const age = (c: Candidate) => (c.kill.inProgress ? 0 : (c.termination?.finishedAgoSeconds ?? Infinity));
  candidates.sort(
    (a, b) =>
      Number(b.view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) - Number(a.view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) ||
      age(a) - age(b),
  );
  const primary = candidates[0];
  return primary ? finding(snapshot, primary, settings) : null;
}

function finding(snapshot: PodSnapshot, { view, termination, kill }: Candidate, settings: EngineSettings): Finding<'liveness-probe'> {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const probe = probeOf(view.spec, kill.type);
  const failure = classifyFailure(kill.failure, probe);
  // How long the killed instance ran: to its exit, or, while the kill is in flight, to the Killing event.
  const ranForSeconds = kill.inProgress ? runBeforeKill(kill) : (termination?.ranForSeconds ?? null);
  const hints = probe ? probeHints(snapshot, view, kill.type, probe, failure, ranForSeconds) : [];
  const restarts = view.status?.restartCount ?? 0;
  const field = `${view.specPath}.${probeField(kill.type)}`;
  const grace = pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;

  const evidence: Evidence[] = [...stateEvidence(view)];
  if (kill.inProgress && kill.runningSince) {
    evidence.push({
      kind: 'status',
      field: `${view.statusPath}.state.running.startedAt`,
      value:
        `${kill.runningSince} (the kubelet killed this instance${ranForSeconds !== null ? ` ${formatDuration(ranForSeconds)} after it started` : ''}; ` +
        `it stops within terminationGracePeriodSeconds=${grace}s and exits 137 or 143, then restarts)`,
    });
  }
  if (termination) {
    const { terminated } = termination;
    evidence.push({
      kind: 'exit-code',
      container: view.name,
      exitCode: terminated.exitCode,
      reason: terminated.reason ?? null,
      meaning: kill.inProgress
        ? `${exitCodeMeaning(terminated.exitCode, terminated.reason)}; the previous instance's exit`
        : `${exitCodeMeaning(terminated.exitCode, terminated.reason)}; here the kubelet stopped it for the failed ${kill.type} probe (reason ${terminated.reason ?? 'unset'}, not OOMKilled)`,
      ranForSeconds: termination.ranForSeconds,
      finishedAt: terminated.finishedAt ?? null,
    });
  }
  if (!termination && !kill.inProgress) {
    evidence.push({ kind: 'status', field: `${view.statusPath}.lastState`, value: '{} (exit code unknown: the kubelet did not report the last termination)' });
  }
  if (kill.failure) evidence.push(eventEvidence(kill.failure.event, snapshot.observedAt));
  if (kill.kill) evidence.push(eventEvidence(kill.kill, snapshot.observedAt));
  const backOff = backOffEvidence(snapshot, view.name, settings);
  if (backOff) evidence.push(backOff);
  if (probe) evidence.push({ kind: 'spec', field, value: describeProbe(probe) });
  for (const hint of hints) evidence.push(hint.evidence);
  if (!hints.some((h) => h.evidence.kind === 'log')) {
    const log = tellingLogLine(snapshot, view.name, !kill.inProgress);
    if (log) evidence.push(log);
  }

  const remediation: Remediation[] = [];
  if (probe) remediation.push(failureRemediation(failure, kill.type, field, probe));
  for (const hint of hints) remediation.push(hint.remediation);
  remediation.push(
    kill.inProgress
      ? { text: `Read the log of the instance being killed now, and the probe events.`, command: kubectl(ns, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(view.name)}`) }
      : { text: `Read the killed instance's log and the probe events.`, command: kubectl(ns, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(view.name)} --previous`) },
  );

  const ran = ranForSeconds !== null ? ` after ${formatDuration(ranForSeconds)}` : '';
  const why = hints.length > 0 ? `; ${hints.map((h) => h.summary).join('; ')}` : '';
  const state = view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF ? ', now in CrashLoopBackOff' : '';
  const verb = kill.inProgress ? 'is killing' : 'kills';
  const inFlight = kill.inProgress
    ? ` (the running instance is being stopped: it exits within its ${grace}s grace period)`
    : termination ? '' : '; exit code unknown: the kubelet did not report the last termination';
  // Readiness failing at the same time is a second cause: the kill is the primary (it restarts the container).
  const readiness = probeFailureEvents(snapshot, view.name, ['readiness'], settings.eventStaleSeconds);
  const readinessText = readiness.length > 0 ? ' Its readiness probe fails too, so it also gets no traffic while it runs.' : '';
  if (readiness[0]) evidence.push(eventEvidence(readiness[0].event, snapshot.observedAt));
  return {
    scenario: 'liveness-probe',
    cause: 'failed',
    otherCauses: [],
    summary:
      `The kubelet ${verb} container ${view.name} of Pod ${pod.metadata.name}${ran} because its ${kill.type} probe fails ` +
      `(${failure.text})${why}; ${restarts} restart${restarts === 1 ? '' : 's'}${state}${inFlight}.${readinessText}`,
    evidence,
    remediation,
    ...(readiness.length > 0 ? { relatedCauses: ['readiness-probe.failed' as const] } : {}),
    actions: [
      { action: 'show-logs', reason: `See what container ${view.name} logged before the kubelet killed it.` },
      { action: 'rediagnose', reason: 'Check again after changing the probe.' },
    ],
  };
}

// The API server defaults an unset grace period to 30 s; a trimmed fixture may omit it.
// source: kubernetes pkg/apis/core/v1/defaults.go SetDefaults_PodSpec (v1.DefaultTerminationGracePeriodSeconds = 30).
const DEFAULT_GRACE_SECONDS = 30;

function runBeforeKill(kill: ProbeKill): number | null {
  if (!kill.runningSince || !kill.kill) return null;
  const seconds = secondsBetween(kill.runningSince, lastSeen(kill.kill));
  return seconds !== null && seconds >= 0 ? seconds : null;
}

export const livenessProbe: Detector<'liveness-probe'> = {
  scenario: 'liveness-probe',
  detect,
};
