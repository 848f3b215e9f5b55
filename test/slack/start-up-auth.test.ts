import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodwhyError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { createSlackApp } from '../../src/slack/app.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';

/** A bot token Slack refuses stops start-up with the setting to check (docs/troubleshooting.md quotes it). */
describe('Slack start-up with a refused bot token', () => {
  let slack: SlackEmulator;
  beforeAll(async () => {
    slack = await startSlackEmulator({ rateLimits: false });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('names SLACK_BOT_TOKEN and Slack\'s error code instead of web-api\'s "An API error occurred"', async () => {
    let caught: unknown;

    try {
      await createSlackApp({ settings: { mode: 'http', botToken: 'xoxb-revoked-or-mistyped', signingSecret: 'signing-secret-1', port: 0, apiUrl: slack.apiUrl }, log: createLogger({ level: 'silent' }), host: '127.0.0.1' });
    } catch (error) {
      caught = error;
    }

    expect(isPodwhyError(caught, 'config-invalid')).toBe(true);
    expect((caught as Error).message).toBe("Slack refused the bot token for auth.test (invalid_auth): check SLACK_BOT_TOKEN and the app's scopes (chat:write)");
  });
});
