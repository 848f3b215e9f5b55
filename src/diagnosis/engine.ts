import type { Diagnosis, Evidence, Finding, Settling, Subject } from '../contract/diagnosis.ts';
import { formatDuration } from '../contract/duration.ts';
import { boundText, redactSecrets } from '../contract/redact.ts';
import { fullCauseId, type CauseId } from '../contract/scenarios.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../contract/settings.ts';
import type { Snapshot } from '../contract/snapshot.ts';
import type { Detector } from './detector.ts';
import { isPlainlyHealthy } from './healthy.ts';
import { lastResort } from './last-resort.ts';
import { DETECTORS } from './scenarios/index.ts';
import { withSnapshotIndex } from './snapshot-index.ts';
import { secondsBetween } from './support.ts';

export function subjectOf(snapshot: Snapshot): Subject {
  const object = snapshot.kind === 'Pod' ? snapshot.pod : snapshot.workload;
  return {
    kind: snapshot.kind === 'Pod' ? 'Pod' : snapshot.workload.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    uid: object.metadata.uid ?? '',
  };
}

/**
 * Diagnoses one subject: zero or one diagnosis. Detectors run in priority order (see
 * scenarios/index.ts) and the first finding wins; within a scenario the detector has already
 * applied the primary-cause rule and listed the other causes that hold.
 *
 * A settling finding (younger than its alert threshold, see Settling in src/contract/diagnosis.ts) wins only
 * when no later detector finds something definitive: the definitive answer is the one the alert path acted on
 * before the thresholds became flags, so what alerts is unchanged. When no detector finds anything, the
 * last-resort rule (last-resort.ts) still answers for a Pod with a container in an error state.
 */
export function diagnose(
  snapshot: Snapshot,
  settings: EngineSettings = DEFAULT_ENGINE_SETTINGS,
  detectors: readonly Detector[] = DETECTORS,
): Diagnosis | null {
  // The detectors share one index of the snapshot (snapshot-index.ts) instead of each scanning it.
  return withSnapshotIndex(snapshot, () => diagnoseIndexed(snapshot, settings, detectors));
}

function diagnoseIndexed(snapshot: Snapshot, settings: EngineSettings, detectors: readonly Detector[]): Diagnosis | null {
  // Most Pods are healthy: healthy.ts knows what every built-in detector needs and answers for all of them at once.
  if (detectors === DETECTORS && isPlainlyHealthy(snapshot, settings)) return null;
  let settling: Finding | null = null;
  for (const detector of detectors) {
    const finding = detector.detect(snapshot, settings);
    if (!finding) continue;
    if (!finding.settling) return toDiagnosis(snapshot, finding, settings);
    settling ??= finding;
  }
  if (settling) return toDiagnosis(snapshot, settling, settings);
  const fallback = snapshot.kind === 'Pod' ? lastResort(snapshot, settings) : null;
  return fallback ? { ...toDiagnosis(snapshot, fallback, settings), lastResort: true } : null;
}

/** Diagnoses every subject; the result is ordered by namespace, kind, name, so output is stable. */
export function diagnoseAll(snapshots: readonly Snapshot[], settings: EngineSettings = DEFAULT_ENGINE_SETTINGS): Diagnosis[] {
  const diagnoses: Diagnosis[] = [];
  for (const snapshot of snapshots) {
    const diagnosis = diagnose(snapshot, settings);
    if (diagnosis) diagnoses.push(diagnosis);
  }
  return diagnoses.sort(
    (a, b) =>
      a.subject.namespace.localeCompare(b.subject.namespace) ||
      a.subject.kind.localeCompare(b.subject.kind) ||
      a.subject.name.localeCompare(b.subject.name),
  );
}

function toDiagnosis(snapshot: Snapshot, finding: Finding, settings: EngineSettings): Diagnosis {
  const scenario = finding.scenario;
  const cause = fullCauseId(scenario, finding.cause as never);
  const otherCauses = [...new Set([...finding.otherCauses.map((c) => fullCauseId(scenario, c as never)), ...(finding.relatedCauses ?? [])])].filter(
    (c): c is CauseId => c !== cause,
  );
  const evidence = finding.evidence.map(boundEvidence);
  const change = rolloutEvidence(snapshot, settings);
  if (change) evidence.push(change);
  return {
    subject: subjectOf(snapshot),
    scenario,
    cause,
    otherCauses,
    // A summary quotes the cluster too (a crash's log line, a hook's output): masked like evidence.
    summary: boundText(redactSecrets(finding.settling ? `${finding.summary} ${settlingSentence(finding.settling)}` : finding.summary)),
    evidence,
    remediation: finding.remediation.map((r) => ({ ...r, text: boundText(r.text), ...(r.command ? { command: boundText(r.command) } : {}) })),
    actions: finding.actions,
    ...(finding.settling ? { settling: finding.settling } : {}),
  };
}

/** "ImagePullBackOff for 40s — may still recover (podwhy alerts on it after 2m)." */
export function settlingSentence(settling: Settling): string {
  const age = settling.forSeconds === null ? ', since a moment the snapshot does not record,' : ` for ${formatDuration(settling.forSeconds)}`;
  return `${settling.state}${age} — may still recover (podwhy alerts on it after ${formatDuration(settling.alertAfterSeconds)}).`;
}

/**
 * Evidence quotes the cluster (event messages, log lines, container arguments): it leaves the engine
 * with secrets masked and every string bounded, whatever a detector copied in (a 50 KB event message
 * must not reach a chat message or Redis whole).
 */
function boundEvidence(item: Evidence): Evidence {
  const out: Record<string, unknown> = {};
  const fields = item as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    out[key] = typeof value === 'string' && key !== 'kind' ? boundText(redactSecrets(value)) : value;
  }
  return out as unknown as Evidence;
}

/** "Started N minutes after the rollout of X": only when the rollout is recent enough to be a suspect. */
function rolloutEvidence(snapshot: Snapshot, settings: EngineSettings): Evidence | null {
  const rollout = snapshot.rollout;
  if (!rollout) return null;
  const sinceRollout = secondsBetween(rollout.changedAt, snapshot.observedAt);
  if (sinceRollout === null || sinceRollout < 0 || sinceRollout > settings.rolloutContextSeconds) return null;
  return {
    kind: 'change',
    detail: `${rollout.workload} rolled out revision ${rollout.revision} ${formatDuration(sinceRollout)} ago: ${rollout.change}`,
  };
}
