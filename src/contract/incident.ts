import type { Diagnosis } from './diagnosis.ts';
import type { CauseId } from './scenarios.ts';

/**
 * Incidents and the notify commands the incident manager emits (src/incidents/ decides them; a notifier in
 * src/notify/ delivers them, in this process or in the Slack gateway). Plain data: they cross processes as
 * JSON on the notify queue and are stored in Redis.
 */

export interface PostedMessage {
  channel: string;
  ts: string;
}

export type IncidentScope = 'workload' | 'pod' | 'node';
export type PodState = 'failing' | 'healthy' | 'gone';

export interface IncidentPod {
  uid: string;
  namespace: string;
  name: string;
  state: PodState;
  /** When the Pod entered this state (ms since the epoch, from the manager's clock). */
  since: number;
  /**
   * Fingerprint of this Pod's latest recorded diagnosis (absent in incidents written before it existed): its cause
   * and the classes of its evidence, not their wording (src/incidents/fingerprint.ts). "New evidence" is judged per
   * Pod: a Pod seen again with the same classes of evidence changes nothing.
   */
  fingerprint?: string;
}

/** What a person reads as news in diagnoses: full cause ids and classes of evidence (sorted sets). */
export interface IncidentNews {
  causes: string[];
  classes: string[];
}

/** Has the open message been sent? 'pending': not yet (snoozed, or not decided); 'digest': listed in a digest. */
export type Delivery = 'pending' | 'message' | 'digest';

export interface Incident {
  type: 'incident';
  /** `<cluster>/<namespace>/<Kind>/<name>/<cause>`, or `<cluster>/_node/<node>/node-lost`. No ':'. */
  id: string;
  cluster: string;
  scope: IncidentScope;
  /** null for node incidents, which span namespaces. */
  namespace: string | null;
  /** What the message is about: `Deployment/web`, `Pod/debug-shell`, `Node/node-3`. */
  subject: { kind: string; name: string };
  /** The cause of the latest diagnosis (node incidents: unknown.node-lost or terminating.node-lost). */
  cause: CauseId;
  channel: string;
  status: 'open' | 'resolved';
  delivery: Delivery;
  posted?: PostedMessage;
  pods: Record<string, IncidentPod>;
  /** The latest diagnosis recorded. */
  diagnosis: Diagnosis;
  /** Hash of what a person cares about in the latest recorded diagnosis (cause, other causes, evidence classes); see fingerprintOf. */
  fingerprint: string;
  /** Every cause and class of evidence recorded since the incident opened (src/incidents/fingerprint.ts newsOf). */
  seen?: IncidentNews;
  /**
   * shownFingerprintOf the incident when its message was last posted or edited (absent before the first, and in
   * incidents written before it existed): an edit that would tell a person nothing new is dropped.
   */
  shownFingerprint?: string;
  /** snapshot.observedAt of the latest diagnosis. */
  lastObservedAt: string;
  firstSeenAt: number;
  lastSeenAt: number;
  openedAt: number;
  resolvedAt?: number;
  /** 1, then +1 per re-open in the same thread. */
  occurrence: number;
  openEmittedAt?: number;
  /** The last open/update/reopen emitted: the coalescing clock. */
  lastEmittedAt?: number;
  pendingUpdate: boolean;
  pendingReopen: boolean;
  pendingResolve: boolean;
  /** All Pods healthy or gone since then; resolved at allClearSince + resolveAfterMs. */
  allClearSince?: number;
  /** Set while a snooze held back a notification. */
  snoozedUntil?: number;
  /** The last thing a person did to it from Slack (a one-click fix that was done, or "mark resolved"), shown on the parent. */
  intervention?: IncidentIntervention;
  /**
   * A snooze set from this incident's message ("Snooze…"), shown on the parent while it lasts; dropped when it ends
   * (flushDue edits the parent then) or the incident resolves. The snooze itself lives in the store (snooze.ts).
   */
  snooze?: IncidentSnooze;
  /** When flushDue has something to do for this incident; null: nothing scheduled. */
  dueAt: number | null;
}

/** A one-click fix that was done (src/queue/act.ts), or "mark resolved" (src/incidents/manager.ts markResolved). */
export interface IncidentIntervention {
  action: 'remove-finalizer' | 'force-delete' | 'restart-pod' | 'mark-resolved';
  /** The Slack user who clicked. */
  by: string;
  /** When it was done (ms since the epoch, the incident manager's clock). */
  at: number;
  /** The Pod acted on (one-click fixes). */
  pod?: string;
}

/** "Snooze" from an incident's message (src/incidents/manager.ts snoozeIncident), as its parent shows it. */
export interface IncidentSnooze {
  /** The Slack user who snoozed. */
  by: string;
  /** When it was set and when it ends (ms since the epoch, the incident manager's clock). */
  at: number;
  untilMs: number;
  /** What is snoozed, as people read it: `Deployment/web`, `namespace shop`, `Node/node-3` (cluster-sourced names). */
  target: string;
}

export interface DigestEntry {
  incidentId: string;
  namespace: string | null;
  /** `Deployment/web` */
  subject: string;
  cause: CauseId;
  summary: string;
  failingPods: number;
  addedAt: number;
}

/** One digest message per channel and storm. */
export interface Digest {
  type: 'digest';
  /** `<cluster>/_digest/<channel>` */
  id: string;
  cluster: string;
  channel: string;
  startedAt: number;
  lastAddedAt: number;
  /** The first `digestMaxEntries` incidents; `total` counts all. */
  entries: DigestEntry[];
  total: number;
  posted?: PostedMessage;
  lastEmittedAt?: number;
  pendingUpdate: boolean;
  dueAt: number | null;
}

export interface PodCounts {
  failing: number;
  healthy: number;
  gone: number;
  total: number;
}

export type IncidentCommandType = 'open' | 'update' | 'reopen' | 'resolve';

/**
 * What the notifier must do about an incident. `target` is the parent message to edit or to reply under.
 * - open: post a new parent message (the delivering side then records where it landed: markPosted);
 * - update: edit the parent (count or evidence changed);
 * - reopen: post in the SAME thread that it is back, and edit the parent to open;
 * - resolve: edit the parent to resolved.
 */
export type IncidentCommand =
  | { type: 'open'; incident: Incident; diagnosis: Diagnosis; pods: PodCounts }
  | { type: 'update'; incident: Incident; diagnosis: Diagnosis; pods: PodCounts; target: PostedMessage }
  | { type: 'reopen'; incident: Incident; diagnosis: Diagnosis; pods: PodCounts; target: PostedMessage }
  | { type: 'resolve'; incident: Incident; diagnosis: Diagnosis; pods: PodCounts; target: PostedMessage };

/** Post the storm digest (no target; markPosted follows) or edit it (target). */
export interface DigestCommand {
  type: 'digest';
  digest: Digest;
  target?: PostedMessage;
}

/** Where the answer to a person's command goes: Slack ids and a message ts (never a response_url, a bearer credential). */
export interface ReplyTarget {
  channel: string;
  /** Answer in this thread. */
  threadTs?: string;
  /** Answer only this user (ephemeral). */
  user?: string;
}

/** A Pod `/pod why` found nothing wrong with: "No problems found", with its phase. */
export interface HealthyPodRef {
  namespace: string;
  name: string;
  uid?: string;
  /** status.phase */
  phase: string;
  /** `2/2` containers ready. */
  ready?: string;
}

/** The answer to `/pod why …` / `/pod logs …` (or a button that asks a question): diagnoses, a log tail, or why there are none. */
export type ReplyAnswer =
  | {
      kind: 'diagnoses';
      diagnoses: Diagnosis[];
      /** Which Pods were picked for a workload or a prefix. */
      note?: string;
      /** Pods of the answer that have no problem. */
      healthy?: HealthyPodRef[];
      /** Set when the query named several Pods (a workload, a prefix): what was asked, and how many Pods matched. */
      target?: string;
      total?: number;
    }
  | { kind: 'logs'; namespace: string; pod: string; container: string; previous: boolean; /** Redacted (src/contract/redact.ts), at most 50. */ lines: string[] }
  | ActionResult
  | IncidentActionResult
  | {
      kind: 'error';
      /** A PodwhyError code (src/errors.ts). */
      code: string;
      message: string;
      /** pod-not-found / ambiguous: the closest names (`ns/name` when they span namespaces). */
      suggestions?: string[];
      namespace?: string;
      name?: string;
    };

/**
 * What a one-click fix did (src/cluster/act.ts), posted in the thread as the audit line: `done`; `replaced` (the Pod
 * of that name has another uid: nothing done); `gone` (no Pod of that name); `cause-gone` (the cause no longer holds:
 * nothing done); `forbidden` (the agent's RBAC refused); `denied` (a SubjectAccessReview for the clicker said no); `needs-typed-confirmation` (a StatefulSet Pod); `failed`.
 */
export interface ActionResult {
  kind: 'action';
  action: 'remove-finalizer' | 'force-delete' | 'restart-pod';
  namespace: string;
  pod: string;
  uid: string;
  outcome: 'done' | 'replaced' | 'gone' | 'cause-gone' | 'forbidden' | 'denied' | 'needs-typed-confirmation' | 'failed';
  /** The API server's or the check's words, for `failed` and `cause-gone`. */
  detail?: string;
  /** The Slack user who clicked. */
  by: string;
}

/**
 * How often the watch side hands on again a candidate that still holds, whether or not its Pod changed
 * (src/cluster/alert-source.ts refreshMs, the stabilizer's refresh). So a Pod still failing after "Mark resolved", even
 * one stuck on a finalizer that nothing updates, is diagnosed again within it and re-opens the incident.
 */
export const FAILING_RECHECK_SECONDS = 60;

/**
 * What "Snooze" or "Mark resolved" did to an incident (src/queue/incident-action.ts), posted in its thread: `done`;
 * `gone` (podwhy no longer tracks the incident: nothing done); `already-resolved` (nothing done).
 */
export interface IncidentActionResult {
  kind: 'incident-action';
  action: 'snooze' | 'mark-resolved';
  /** The Slack user who clicked. */
  by: string;
  /** What was snoozed or resolved, as people read it: `Deployment/web`, `namespace shop`, `Node/node-3`. */
  target: string;
  outcome: 'done' | 'gone' | 'already-resolved';
  /** snooze: how long and until when (ms since the epoch). */
  forSeconds?: number;
  untilMs?: number;
  /** mark-resolved: Pods still failing when it was marked (their next diagnosis re-opens it in the thread). */
  stillFailing?: number;
}

/** Who asked, and what they typed after `/pod` (shown under the answer). */
export interface ReplyRequest {
  requestedBy: string;
  commandText: string;
}

/** Answer a person's command (issue 8 produces it; it is not tracked as an incident, so no markPosted). */
export interface ReplyCommand {
  type: 'reply';
  cluster: string;
  /** The command's request id (its job's deduplication id carries it). */
  requestId: string;
  replyTo: ReplyTarget;
  answer: ReplyAnswer;
  request?: ReplyRequest;
}

/**
 * What the delivering side must do: a union on `type`, carried as JSON on the notify queue
 * (src/queue/notify-jobs.ts validates it). A new kind is one more member (a one-click fix's outcome is a `reply`
 * whose answer is an ActionResult); consumers switch on `type`.
 */
export type NotifyCommand = IncidentCommand | DigestCommand | ReplyCommand;
