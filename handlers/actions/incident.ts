import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { slackActionId } from '../../src/slack/action-value.ts';
import { SNOOZE_CALLBACK_ID } from '../../src/slack/remediation.ts';
import { INCIDENT_ACTIONS } from '../../src/queue/jobs.ts';
import type { HandlerDeps } from '../index.ts';

/**
 * The incident buttons ("Snooze…", "Mark resolved"): ack at once, then the checks of src/slack/remediation.ts; what
 * the clicker should know is ephemeral. The snooze modal's submit closes it, or keeps it open with the reason.
 */
export function registerIncidentButtons(app: App, deps: Pick<HandlerDeps, 'remediation'>): void {
  for (const action of INCIDENT_ACTIONS) {
    app.action<BlockAction<ButtonAction>>(slackActionId(action), async ({ body, action: button, ack, respond }) => {
      await ack();
      const answer = await deps.remediation.incidentClicked(action, button.value, body);
      if (answer) await respond({ response_type: 'ephemeral', replace_original: false, text: answer.text });
    });
  }
  app.view<ViewSubmitAction>(SNOOZE_CALLBACK_ID, async ({ body, view, ack, client }) => {
    const answer = await deps.remediation.snoozeSubmitted(body.user.id, view, view.id);
    if (answer && 'errors' in answer) {
      await ack({ response_action: 'errors', errors: answer.errors });
      return;
    }
    await ack();
    if (answer) await client.chat.postEphemeral({ channel: answer.channel, user: answer.user, text: answer.text });
  });
}
