/**
 * readiness-probe: the Pod runs but a container stays not Ready, so Services send it no traffic.
 * Keys on a running container with ready=false for at least settings.notReadyAfterSeconds and the
 * kubelet's "Readiness probe failed: …" Unhealthy events. Silent during a normal start-up.
 */
import type { Evidence, Finding, Remediation } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import { containers, eventEvidence, kubectl, podCondition, secondsBetween, type ContainerView } from '../support.ts';
import { appContainers, tellingLogLine } from './crash-support.ts';
import {
  classifyFailure,
  describeProbe,
  failureRemediation,
  probeFailureEvents,
  probeField,
  probeHints,
  type ProbeFailureEvent,
} from './probe-support.ts';

interface Candidate {
  view: ContainerView;
  notReadySeconds: number;
  failures: ProbeFailureEvent[];
}

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'readiness-probe'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const pod = snapshot.pod;
  if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') return null;
  if (podCondition(pod, 'Ready')?.status === 'True') return null;

  const candidates: Candidate[] = [];
  for (const view of appContainers(containers(pod))) {
    const status = view.status;
    const startedAt = status?.state?.running?.startedAt;
    if (!status || status.ready || !startedAt || !view.spec?.readinessProbe) continue;
    // Not Ready since the container started, or since the Pod last lost readiness, whichever is later.
    const sinceStart = secondsBetween(startedAt, snapshot.observedAt);
    const readyCondition = podCondition(pod, 'Ready');
    const sinceTransition = readyCondition?.status === 'False' ? secondsBetween(readyCondition.lastTransitionTime, snapshot.observedAt) : null;
    const notReadySeconds = Math.min(sinceStart ?? Infinity, sinceTransition ?? Infinity);
    if (!Number.isFinite(notReadySeconds)) continue;
    const failures = probeFailureEvents(snapshot, view.name, ['readiness'], settings.eventStaleSeconds);
    if (failures.length === 0) continue;
    candidates.push({ view, notReadySeconds, failures });
  }
  const primary = candidates.sort((a, b) => b.notReadySeconds - a.notReadySeconds)[0];
  if (!primary) return null;
  const result = finding(snapshot, primary);
  // Not Ready for a short while is a normal start-up: settling until the threshold.
  return primary.notReadySeconds < settings.notReadyAfterSeconds
    ? { ...result, settling: { state: 'NotReady', forSeconds: primary.notReadySeconds, alertAfterSeconds: settings.notReadyAfterSeconds } }
    : result;
}

function finding(snapshot: PodSnapshot, { view, notReadySeconds, failures }: Candidate): Finding<'readiness-probe'> {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const probe = view.spec?.readinessProbe;
  const latest = failures[0] ?? null;
  const failure = classifyFailure(latest, probe);
  const hints = probe ? probeHints(snapshot, view, 'readiness', probe, failure, null) : [];
  const field = `${view.specPath}.${probeField('readiness')}`;

  const evidence: Evidence[] = [
    { kind: 'status', field: `${view.statusPath}.ready`, value: 'false' },
    { kind: 'status', field: `${view.statusPath}.state.running.startedAt`, value: view.status?.state?.running?.startedAt ?? '' },
  ];
  const ready = podCondition(pod, 'Ready');
  if (ready) evidence.push({ kind: 'status', field: 'status.conditions[Ready]', value: `${ready.status}${ready.reason ? ` (${ready.reason})` : ''}` });
  if (latest) evidence.push(eventEvidence(latest.event, snapshot.observedAt));
  if (probe) evidence.push({ kind: 'spec', field, value: describeProbe(probe) });
  for (const hint of hints) evidence.push(hint.evidence);
  const log = tellingLogLine(snapshot, view.name, false);
  if (log) evidence.push(log);

  const remediation: Remediation[] = [];
  if (probe) remediation.push(failureRemediation(failure, 'readiness', field, probe));
  for (const hint of hints) remediation.push(hint.remediation);
  remediation.push({ text: `See every probe failure and the container's recent log.`, command: kubectl(ns, `describe pod ${shellQuote(pod.metadata.name)}`) });

  const why = hints.length > 0 ? `; ${hints.map((h) => h.summary).join('; ')}` : '';
  return {
    scenario: 'readiness-probe',
    cause: 'failed',
    otherCauses: [],
    summary:
      `Container ${view.name} of Pod ${pod.metadata.name} has not been Ready for ${formatDuration(notReadySeconds)} because its readiness probe fails ` +
      `(${failure.text})${why}; Services send it no traffic.`,
    evidence,
    remediation,
    actions: [
      { action: 'show-logs', reason: `See what container ${view.name} is doing while it is not Ready.` },
      { action: 'restart-pod', reason: 'A restart may help if the app is wedged; it does not fix a wrong probe.' },
      { action: 'rediagnose', reason: 'Check again after changing the probe or the app.' },
    ],
  };
}

export const readinessProbe: Detector<'readiness-probe'> = {
  scenario: 'readiness-probe',
  detect,
};
