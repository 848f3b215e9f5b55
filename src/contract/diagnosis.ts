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
  docsUrl?: string;
}

export const ACTION_IDS = ['remove-finalizer', 'force-delete', 'restart-pod', 'show-logs', 'rediagnose', 'snooze'] as const;
export type ActionId = (typeof ACTION_IDS)[number];

/** A one-click fix the bot may offer. Always bound to the subject's UID, never to a name alone. */
export interface SuggestedAction {
  action: ActionId;
  /** Why this action fits this diagnosis, shown next to the button. */
  reason: string;
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
}

/** The engine's answer for one subject: the contract of `podwhy diagnose -o json`. */
export interface Diagnosis {
  subject: Subject;
  scenario: ScenarioId;
  /** Full id, `scenario.cause`. */
  cause: CauseId;
  /** Full ids. */
  otherCauses: CauseId[];
  summary: string;
  evidence: Evidence[];
  remediation: Remediation[];
  actions: SuggestedAction[];
}
