/**
 * The audit line of a one-click fix, posted in the incident's (or answer's) thread: who did what to which Pod (by
 * uid), and what came of it (docs/architecture.md, "Button click"). Also the texts of the confirm dialogs. Pure.
 */
import type { ActionResult } from '../../contract/incident.ts';
import { context, draft, section, type SlackMessage } from './blocks.ts';
import { inlineCode, mrkdwnProse, plainText, userMention } from './escape.ts';
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
