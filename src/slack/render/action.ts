/**
 * The audit line of a one-click fix, posted in the incident's (or answer's) thread: who did what to which Pod (by
 * uid), and what came of it (docs/architecture.md, "Button click"). Also the texts of the confirm dialogs. Pure.
 */
import { FAILING_RECHECK_SECONDS, type ActionResult, type IncidentActionResult, type IncidentIntervention, type IncidentSnooze } from '../../contract/incident.ts';
import { context, draft, section, type SlackMessage } from './blocks.ts';
import { inlineCode, mrkdwnProse, plainText, slackDate, userMention } from './escape.ts';
import { fitMessage } from './limits.ts';

export type MutatingActionId = ActionResult['action'];

const VERB: Record<MutatingActionId, string> = {
  'remove-finalizer': 'removed the finalizers of',
  'force-delete': 'force-deleted',
  'restart-pod': 'restarted (deleted for its controller to re-create)',
};

/** Button labels. */
export const ACTION_LABELS: Record<MutatingActionId, string> = {
  'remove-finalizer': 'Remove finalizers',
  'force-delete': 'Force delete',
  'restart-pod': 'Restart Pod',
};

/** The outcome in words, as the issue spells them. */
export function outcomeText(result: ActionResult): string {
  const detail = result.detail ? ` (${result.detail})` : '';
  switch (result.outcome) {
    case 'done':
      return 'done';
    case 'replaced':
      return 'the pod was replaced — nothing done';
    case 'gone':
      return 'the pod no longer exists — nothing done';
    case 'cause-gone':
      return `the cause no longer holds${detail} — nothing done`;
    case 'forbidden':
      return `forbidden by RBAC${detail}`;
    case 'denied':
      return `denied: your Kubernetes rights do not allow it${detail} — nothing done`;
    case 'needs-typed-confirmation':
      return 'a StatefulSet Pod needs its name typed to confirm — nothing done';
    case 'failed':
      return `failed${detail}`;
  }
}

export function renderActionResult(result: ActionResult): SlackMessage {
  const line = `${userMention(result.by)} ${VERB[result.action]} pod ${inlineCode(`${result.namespace}/${result.pod}`, 300)} (uid ${inlineCode(result.uid, 80)}): ${mrkdwnProse(outcomeText(result), 1_500)}`;
  return fitMessage({
    text: plainText(`${result.by} ${VERB[result.action]} pod ${result.namespace}/${result.pod} (uid ${result.uid}): ${outcomeText(result)}`, 1_000),
    blocks: [draft(section(line), 'essential'), draft(context([result.outcome === 'done' ? ':white_check_mark: podwhy acted with preconditions on this uid' : ':information_source: podwhy changed nothing it was not sure of']), 'low')],
  });
}

/** The confirm dialog's body: names the Pod and says what will happen. */
export function confirmText(action: MutatingActionId, namespace: string, name: string): string {
  const pod = `${namespace}/${name}`;
  switch (action) {
    case 'remove-finalizer':
      return `Remove every finalizer of Pod ${pod}? Kubernetes then deletes it at once, without waiting for whatever the finalizers guard.`;
    case 'force-delete':
      return `Force-delete Pod ${pod} (grace period 0)? Its name is freed at once, even if its containers still run on a lost node.`;
    case 'restart-pod':
      return `Delete Pod ${pod} so its controller creates a new one?`;
  }
}

/** What happens to an incident marked resolved while its Pods still fail (true even of a Pod that never changes). */
export const REOPEN_PROMISE = `the next diagnosis (podwhy re-checks failing Pods every ${FAILING_RECHECK_SECONDS} s) re-opens it`;

/** "1 hour", "1 day": how long a snooze lasts. */
export function snoozeLength(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '1 day' : `${seconds / 86_400} days`;
  if (seconds % 3_600 === 0) return seconds === 3_600 ? '1 hour' : `${seconds / 3_600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

/** "14:05 UTC", or "2026-12-08 14:05 UTC" when the snooze ends on another day than it started. Pure: both times come in. */
export function snoozeEnd(untilMs: number, fromMs: number): string {
  const until = new Date(untilMs).toISOString();
  const sameDay = until.slice(0, 10) === new Date(fromMs).toISOString().slice(0, 10);
  return `${sameDay ? until.slice(11, 16) : `${until.slice(0, 10)} ${until.slice(11, 16)}`} UTC`;
}

/**
 * The thread line of "Snooze" or "Mark resolved". `by` and `target` come formatted (a mention and a code span in
 * Slack, plain words in the fallback); everything else is podwhy's own words.
 */
export function incidentActionText(result: IncidentActionResult, by: string, target: string): string {
  if (result.outcome === 'gone') return `${by} could not ${result.action === 'snooze' ? 'snooze' : 'mark resolved'} ${target}: podwhy no longer tracks this incident — nothing done`;
  if (result.action === 'snooze') {
    const until = result.untilMs !== undefined && result.forSeconds !== undefined ? ` for ${snoozeLength(result.forSeconds)} (until ${snoozeEnd(result.untilMs, result.untilMs - result.forSeconds * 1000)})` : '';
    return `${by} snoozed alerts for ${target}${until}. podwhy keeps tracking it and posts what was held back when the snooze ends.`;
  }
  if (result.outcome === 'already-resolved') return `${by} marked ${target} resolved: it already was — nothing done`;
  const failing = result.stillFailing ?? 0;
  const reopen = failing > 0 ? ` ${failing} of its Pods ${failing === 1 ? 'is' : 'are'} still failing: ${REOPEN_PROMISE} in this thread as a new occurrence.` : '';
  return `${target} marked resolved by ${by}.${reopen}`;
}

export function renderIncidentActionResult(result: IncidentActionResult): SlackMessage {
  return fitMessage({
    text: plainText(incidentActionText(result, result.by, result.target), 1_000),
    blocks: [draft(section(incidentActionText(result, userMention(result.by), inlineCode(result.target, 400))), 'essential')],
  });
}

/** The parent message's line for what a person did from Slack: "Remediation: finalizers removed from Pod x by @u at …". */
export function interventionLine(intervention: IncidentIntervention): string {
  const who = `${userMention(intervention.by)} at ${slackDate(intervention.at)}`;
  const pod = intervention.pod ? ` ${inlineCode(intervention.pod, 260)}` : '';
  switch (intervention.action) {
    case 'remove-finalizer':
      return `:wrench: Remediation: finalizers removed from Pod${pod} by ${who}`;
    case 'force-delete':
      return `:wrench: Remediation: Pod${pod} force-deleted by ${who}`;
    case 'restart-pod':
      return `:wrench: Remediation: Pod${pod} restarted by ${who}`;
    case 'mark-resolved':
      return `:white_check_mark: Marked resolved by ${who}`;
  }
}

/**
 * The parent message's line for a snooze set from it, while it lasts: "Snoozed by @u: alerts for `namespace shop` held
 * back until 14:05 UTC". The target holds cluster-sourced names: a code span.
 */
export function snoozeLine(snooze: IncidentSnooze): string {
  return `:zzz: Snoozed by ${userMention(snooze.by)}: alerts for ${inlineCode(snooze.target, 400)} held back until ${snoozeEnd(snooze.untilMs, snooze.at)}`;
}
