import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { slackActionId } from '../../src/slack/action-value.ts';
import type { HandlerDeps } from '../index.ts';

/** "Show logs" (read-only): the Pod's log tail, answered in the clicked message's thread. */
export function registerShowLogsButton(app: App, deps: Pick<HandlerDeps, 'buttons'>): void {
  app.action<BlockAction<ButtonAction>>(slackActionId('show-logs'), async ({ body, action, ack, respond }) => {
    await ack();
    const refusal = await deps.buttons.clicked('show-logs', action.value, body);
    if (refusal) await respond({ response_type: 'ephemeral', replace_original: false, text: refusal.text, blocks: refusal.blocks });
  });
}
