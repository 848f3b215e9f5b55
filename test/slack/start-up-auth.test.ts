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

/** The same for Socket Mode's app-level token, which Slack first sees when the connection opens (apps.connections.open). */
describe('Slack start-up in Socket Mode with a refused app-level token', () => {
  let slack: SlackEmulator;
  beforeAll(async () => {
    slack = await startSlackEmulator({ rateLimits: false });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('names SLACK_APP_TOKEN and Slack\'s error code, asked of SLACK_API_URL like the bot token', async () => {
    const app = await createSlackApp({ settings: { mode: 'socket', botToken: slack.botToken, appToken: 'xapp-1-revoked-or-mistyped', apiUrl: slack.apiUrl }, log: createLogger({ level: 'silent' }), host: '127.0.0.1' });
    let caught: unknown;

    try {
      await app.start();
    } catch (error) {
      caught = error;
    } finally {
      await app.stop().catch(() => undefined);
    }

    expect(isPodwhyError(caught, 'config-invalid')).toBe(true);
    expect((caught as Error).message).toBe("Slack refused the app-level token for apps.connections.open (invalid_auth): check SLACK_APP_TOKEN (an xapp- token with connections:write, from Basic Information → App-Level Tokens) and that Socket Mode is on in the app's settings");
    expect(slack.calls('apps.connections.open').map((c) => c.response)).toEqual([{ ok: false, error: 'invalid_auth' }]);
  });
});
