import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { slackActionId } from '../../src/slack/action-value.ts';
import type { HandlerDeps } from '../index.ts';

/** "Re-diagnose" / "Details" (read-only): a fresh diagnosis of that Pod (by uid), answered in the thread. */
export function registerRediagnoseButton(app: App, deps: Pick<HandlerDeps, 'buttons'>): void {
  app.action<BlockAction<ButtonAction>>(slackActionId('rediagnose'), async ({ body, action, ack, respond }) => {
    await ack();
    const refusal = await deps.buttons.clicked('rediagnose', action.value, body);
    if (refusal) await respond({ response_type: 'ephemeral', replace_original: false, text: refusal.text, blocks: refusal.blocks });
  });
}
