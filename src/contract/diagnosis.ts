import type { CauseId, CauseOf, ScenarioId } from './scenarios.ts';

/** What a diagnosis is about: a Pod, or a workload that has no Pod to show (quota, admission). */
export interface Subject {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/**
 * One fact a reader can check, each with the exact source of truth.
 * `ageSeconds` is measured against the snapshot's observedAt.
 */
export type Evidence =
  /** A status field and its exact value, e.g. field `status.containerStatuses[app].state.waiting.reason`. */
  | { kind: 'status'; field: string; value: string }
  /** A spec field that matters, e.g. `spec.containers[app].resources.limits.memory` = `512Mi`. */
  | { kind: 'spec'; field: string; value: string; note?: string }
  | {
      kind: 'event';
      /** `Pod/web-1`, `ReplicaSet/web-7d9f`, `Node/n1` */
      object: string;
      type: string;
      reason: string;
      message: string;
      count: number;
      /** Seconds since the event was last seen; null when it carries no timestamp. */
      ageSeconds: number | null;
    }
  | {
      kind: 'exit-code';
      container: string;
      exitCode: number;
      /** e.g. `OOMKilled`, `Error`, `Completed`, `ContainerCannotRun` */
      reason: string | null;
      /** What the code means: "128+9 = SIGKILL: killed (not by the OOM killer)". */
      meaning: string;
      /** How long the container ran before it exited, when both timestamps are known. */
      ranForSeconds: number | null;
      finishedAt: string | null;
    }
  | { kind: 'node'; node: string; detail: string }
  | { kind: 'quota'; quota: string; resource: string; used: string; hard: string; requested: string | null }
  | { kind: 'log'; container: string; previous: boolean; line: string }
  /** The change context: a rollout shortly before the failure. */
  | { kind: 'change'; detail: string };

/** What to do, specific enough to act on: which field to change to what, which command to run. */
export interface Remediation {
  text: string;
  /** A command to run, e.g. `kubectl -n shop describe quota compute`. */
  command?: string;
  /**
   * A block to paste into a manifest (a `tolerations:` YAML list): the only engine string that spans lines, shown
   * as a block with its line breaks. The engine writes it; a cluster value inside is quoted (a YAML double-quoted
   * scalar) so it cannot add a line.
   */
  snippet?: string;
  docsUrl?: string;
}

/** `mark-resolved` is a button of incident messages only (src/slack/render/diagnosis.ts); the engine never suggests it. */
export const ACTION_IDS = ['remove-finalizer', 'force-delete', 'restart-pod', 'show-logs', 'rediagnose', 'snooze', 'mark-resolved'] as const;
export type ActionId = (typeof ACTION_IDS)[number];

/** A one-click fix the bot may offer. Always bound to the subject's UID, never to a name alone. */
export interface SuggestedAction {
  action: ActionId;
  /** Why this action fits this diagnosis, shown next to the button. */
  reason: string;
}

/**
 * A failure younger than the alert path's threshold for its state (an EngineSettings value such as
 * unschedulableAfterSeconds or stuckCreatingAfterSeconds): a Pod that may still recover on its own.
 *
 * Design (docs/scenarios.md, "Young failures, unrecognised messages, …"): the engine answers "what is wrong with this Pod now",
 * whoever asks. The thresholds that used to silence it below their value now only mark the answer as
 * settling; a person asking (`podwhy diagnose`, `podwhy why`, `/pod why`) gets the diagnosis with the age
 * in its summary ("ImagePullBackOff for 40s — may still recover"), while the alert worker drops settling
 * diagnoses of watch jobs, so what pages, and when, is exactly what it was before. The gate stays in the
 * engine as this flag (rather than moving out) because only the detector knows which state it found and
 * since when; moving the gate out would make the alert path re-derive the engine's own findings.
 */
export interface Settling {
  /** The state as kubectl shows it: `ImagePullBackOff`, `Pending`, `Terminating`, `Init:0/2`, `NotReady`. */
  state: string;
  /** Seconds in that state at the snapshot's observedAt; null when the snapshot does not date it. */
  forSeconds: number | null;
  /** The threshold the alert path waits for before it reports this state (seconds). */
  alertAfterSeconds: number;
}

/** A detector's output for one scenario. */
export interface Finding<S extends ScenarioId = ScenarioId> {
  scenario: S;
  cause: CauseOf<S>;
  /** Other causes of the same scenario that also hold, primary-cause rule applied. */
  otherCauses: CauseOf<S>[];
  /** The root cause in one sentence. */
  summary: string;
  evidence: Evidence[];
  remediation: Remediation[];
  actions: SuggestedAction[];
  /** Set when the failure is younger than its alert threshold (see Settling); absent otherwise. */
  settling?: Settling;
  /**
   * Causes of other scenarios that hold at the same time (full ids), e.g. `readiness-probe.failed` next to a
   * liveness kill: the primary-cause rule across scenarios, which only the detector that sees both can apply.
   */
  relatedCauses?: CauseId[];
}

/** The engine's answer for one subject: the contract of `podwhy diagnose -o json`. */
export interface Diagnosis {
  subject: Subject;
  scenario: ScenarioId;
  /** Full id, `scenario.cause`. */
  cause: CauseId;
  /**
   * Full ids: the other causes of the same scenario that also hold (primary-cause rule applied), then causes of other
   * scenarios the detector saw hold at the same time (Finding.relatedCauses, e.g. `readiness-probe.failed` next to a
   * liveness kill).
   */
  otherCauses: CauseId[];
  summary: string;
  evidence: Evidence[];
  remediation: Remediation[];
  actions: SuggestedAction[];
  /**
   * Present only when the failure is younger than its alert threshold: a person asking gets the answer (its
   * summary says how long the Pod has been in that state), the alert path drops it for watch jobs.
   */
  settling?: Settling;
  /**
   * Present (true) only when no detector recognised the Pod's failure and the engine's last-resort rule
   * answered: the best-matching scenario for the container's raw reason, with the raw reason and message as
   * evidence and a summary that says podwhy does not recognise the message. Counted by callers (metrics,
   * bench:engine) so unrecognised upstream messages show up instead of hiding behind "No problems found".
   */
  lastResort?: true;
}
