import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../index.ts';

/** `/pod …`: ack within Slack's 3 s (usage and help in the ack itself), then the slow part. */
export function registerPodCommand(app: App, deps: Pick<HandlerDeps, 'commands'>): void {
  app.command('/pod', async ({ command, ack }) => {
    const receipt = deps.commands.receive(command);
    await ack(receipt.ack);
    await receipt.followUp();
  });
}
