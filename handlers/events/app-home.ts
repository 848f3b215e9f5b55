import type { App } from '@slack/bolt';
import type { AppHomePublisher } from '../../src/slack/app-home.ts';

export interface AppHomeDeps {
  publisher: AppHomePublisher;
}

/**
 * app_home_opened (https://docs.slack.dev/reference/events/app_home_opened): publishes the Home tab for the
 * user who opened it. Bolt acknowledges Events API deliveries itself; the Messages tab needs nothing.
 */
export function registerAppHome(app: App, deps: AppHomeDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    await deps.publisher.opened(event.user);
  });
}
