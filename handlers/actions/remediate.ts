import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { slackActionId } from '../../src/slack/action-value.ts';
import { TYPED_CONFIRM_CALLBACK_ID } from '../../src/slack/remediation.ts';
import { MUTATING_ACTIONS } from '../../src/queue/jobs.ts';
import type { HandlerDeps } from '../index.ts';

/**
 * The buttons that change the cluster (remove finalizers, force delete, restart): ack at once, then the checks of
 * src/slack/remediation.ts; what the clicker should know is ephemeral. The typed confirmation's submit closes the
 * modal, or keeps it open with the reason under the input.
 */
export function registerRemediationButtons(app: App, deps: Pick<HandlerDeps, 'remediation'>): void {
  for (const action of MUTATING_ACTIONS) {
    app.action<BlockAction<ButtonAction>>(slackActionId(action), async ({ body, action: button, ack, respond }) => {
      await ack();
      const answer = await deps.remediation.clicked(action, button.value, body);
      if (answer) await respond({ response_type: 'ephemeral', replace_original: false, text: answer.text });
    });
  }
  app.view<ViewSubmitAction>(TYPED_CONFIRM_CALLBACK_ID, async ({ body, view, ack, client }) => {
    const answer = await deps.remediation.submitted(body.user.id, view, view.id);
    if (answer && 'errors' in answer) {
      await ack({ response_action: 'errors', errors: answer.errors });
      return;
    }
    await ack();
    if (answer) await client.chat.postEphemeral({ channel: answer.channel, user: answer.user, text: answer.text });
  });
}
