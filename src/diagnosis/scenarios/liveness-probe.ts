/**
 * liveness-probe: the kubelet kills and restarts a container because its liveness (or startup)
 * probe fails. The kill shows as exit 137 or 143 with reason Error — not OOMKilled — next to
 * "Liveness probe failed: …" Unhealthy events and a Killing event "Container X failed liveness probe".
 */
import type { Evidence, Finding, Remediation } from '../../contract/diagnosis.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import type { Detector } from '../detector.ts';
import { containers, eventEvidence, exitCodeMeaning, formatDuration, kubectl, type ContainerView } from '../support.ts';
import {
  appContainers,
  backOffEvidence,
  CRASH_LOOP_BACK_OFF,
  isCurrentTermination,
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
  probeOf,
  type ProbeKill,
} from './probe-support.ts';

interface Candidate {
  view: ContainerView;
  termination: Termination;
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
    if (!termination || !isCurrentTermination(view, termination, settings)) continue;
    const kill = probeKillFor(snapshot, view, termination, settings);
    if (kill) candidates.push({ view, termination, kill });
  }
  if (candidates.length === 0) return null;
  // The container stuck in CrashLoopBackOff first, then the most recent kill.
  candidates.sort(
    (a, b) =>
      Number(b.view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) - Number(a.view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) ||
      (a.termination.finishedAgoSeconds ?? Infinity) - (b.termination.finishedAgoSeconds ?? Infinity),
  );
  const primary = candidates[0];
  return primary ? finding(snapshot, primary, settings) : null;
}

function finding(snapshot: PodSnapshot, { view, termination, kill }: Candidate, settings: EngineSettings): Finding<'liveness-probe'> {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const probe = probeOf(view.spec, kill.type);
  const failure = classifyFailure(kill.failure, probe);
  const hints = probe ? probeHints(snapshot, view, kill.type, probe, failure, termination.ranForSeconds) : [];
  const { terminated } = termination;
  const restarts = view.status?.restartCount ?? 0;
  const field = `${view.specPath}.${probeField(kill.type)}`;

  const evidence: Evidence[] = [...stateEvidence(view)];
  evidence.push({
    kind: 'exit-code',
    container: view.name,
    exitCode: terminated.exitCode,
    reason: terminated.reason ?? null,
    meaning: `${exitCodeMeaning(terminated.exitCode, terminated.reason)}; here the kubelet stopped it for the failed ${kill.type} probe (reason ${terminated.reason ?? 'unset'}, not OOMKilled)`,
    ranForSeconds: termination.ranForSeconds,
    finishedAt: terminated.finishedAt ?? null,
  });
  if (kill.failure) evidence.push(eventEvidence(kill.failure.event, snapshot.observedAt));
  if (kill.kill) evidence.push(eventEvidence(kill.kill, snapshot.observedAt));
  const backOff = backOffEvidence(snapshot, view.name, settings);
  if (backOff) evidence.push(backOff);
  if (probe) evidence.push({ kind: 'spec', field, value: describeProbe(probe) });
  for (const hint of hints) evidence.push(hint.evidence);
  if (!hints.some((h) => h.evidence.kind === 'log')) {
    const log = tellingLogLine(snapshot, view.name, true);
    if (log) evidence.push(log);
  }

  const remediation: Remediation[] = [];
  if (probe) remediation.push(failureRemediation(failure, kill.type, field, probe));
  for (const hint of hints) remediation.push(hint.remediation);
  remediation.push({
    text: `Read the killed instance's log and the probe events.`,
    command: kubectl(ns, `logs ${pod.metadata.name} -c ${view.name} --previous`),
  });

  const ran = termination.ranForSeconds !== null ? ` after ${formatDuration(termination.ranForSeconds)}` : '';
  const why = hints.length > 0 ? `; ${hints.map((h) => h.summary).join('; ')}` : '';
  const state = view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF ? ', now in CrashLoopBackOff' : '';
  return {
    scenario: 'liveness-probe',
    cause: 'failed',
    otherCauses: [],
    summary:
      `The kubelet kills container ${view.name} of Pod ${pod.metadata.name}${ran} because its ${kill.type} probe fails ` +
      `(${failure.text})${why}; ${restarts} restart${restarts === 1 ? '' : 's'}${state}.`,
    evidence,
    remediation,
    actions: [
      { action: 'show-logs', reason: `See what container ${view.name} logged before the kubelet killed it.` },
      { action: 'rediagnose', reason: 'Check again after changing the probe.' },
    ],
  };
}

export const livenessProbe: Detector<'liveness-probe'> = {
  scenario: 'liveness-probe',
  detect,
};
