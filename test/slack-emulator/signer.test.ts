import { verifySlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { blockActionPayload, deliver, eventCallbackPayload, interactionBody, sendEvent, signedHeaders, slackSignature, slashCommandFields } from '../../src/slack-emulator/signer.ts';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

const SECRET = 'signer-test-secret';

/** Bolt's own verifier (verify-request.js) decides whether a signature is valid. */
function verifiedByBolt(body: string, headers: Record<string, string>, nowMs = Date.now()): boolean {
  try {
    verifySlackRequest({
      signingSecret: SECRET,
      body,
      headers: { 'x-slack-signature': headers['x-slack-signature'] ?? '', 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
      nowMilliseconds: nowMs,
    });
    return true;
  } catch {
    return false;
  }
}

describe('request signer', () => {
  let slack: SlackEmulator;

  beforeEach(async () => {
    slack = await startSlackEmulator({ rateLimits: false });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('matches Slack\'s documented example signature', () => {
    // https://docs.slack.dev/authentication/verifying-requests-from-slack (worked example).
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('produces signatures Bolt\'s verifier accepts, and forged or shifted ones it rejects', () => {
    const body = interactionBody({ type: 'block_actions' });

    expect(verifiedByBolt(body, signedHeaders(body, { signingSecret: SECRET }))).toBe(true);
    expect(verifiedByBolt(`${body}x`, signedHeaders(body, { signingSecret: SECRET }))).toBe(false);
    expect(verifiedByBolt(body, signedHeaders(body, { signingSecret: SECRET, signWithSecret: 'other' }))).toBe(false);
    expect(verifiedByBolt(body, signedHeaders(body, { signingSecret: SECRET, timestampShiftSeconds: -301 }))).toBe(false);
  });

  it('builds slash command fields in Slack\'s order, with a response_url and trigger_id from the emulator', () => {
    const fields = slashCommandFields({ command: '/pod', text: 'why shop/api', userId: 'U0BOB', channelId: 'C0OPS' }, slack);

    expect(Object.keys(fields)).toEqual(['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text', 'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id']);
    expect(fields).toMatchObject({ team_id: 'T0PODWHY1', team_domain: 'podwhy-test', channel_name: 'ops-private', user_name: 'bob', api_app_id: 'A0PODWHY1', is_enterprise_install: 'false' });
    expect(slack.responseUrls.grant(fields['response_url']?.slice(`${slack.url}/response/`.length) ?? '')).toMatchObject({ channel: 'C0OPS', user: 'U0BOB', uses: 0 });
    expect(slack.workspace.trigger(fields['trigger_id'] ?? '')).toMatchObject({ user: 'U0BOB', exchanged: false });
  });

  it('refuses to invent a response_url without the emulator', () => {
    expect(() => slashCommandFields({ command: '/pod', userId: 'U0BOB', channelId: 'C0OPS' })).toThrow(/responseUrl/);
  });

  it('builds a block_actions payload for a home-tab click with a view container', async () => {
    const view = { type: 'home', blocks: [{ type: 'actions', block_id: 'home-actions', elements: [{ type: 'button', action_id: 'snooze', text: { type: 'plain_text', text: 'Snooze' }, value: '1h' }] }] };
    const published = slack.workspace.publishHome('U0ALICE', view);

    const payload = blockActionPayload({ userId: 'U0ALICE', viewId: published.id, actionId: 'snooze' }, slack);

    expect(payload['container']).toEqual({ type: 'view', view_id: published.id });
    expect(payload['actions']).toMatchObject([{ action_id: 'snooze', block_id: 'home-actions', value: '1h', type: 'button' }]);
    expect(payload['response_url']).toBeUndefined();
  });

  it('builds an Events API event_callback envelope around the event, with the workspace\'s ids', () => {
    const payload = eventCallbackPayload({ event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' }, eventId: 'Ev0TEST', eventTime: 1763640000 }, slack, () => 1763640000123);

    expect(payload).toMatchObject({
      token: 'emulator-verification-token',
      team_id: 'T0PODWHY1',
      api_app_id: 'A0PODWHY1',
      type: 'event_callback',
      event_id: 'Ev0TEST',
      event_time: 1763640000,
      event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home', event_ts: '1763640000.123000' },
    });
  });

  it('sends an event as signed JSON that Bolt\'s verifier accepts', async () => {
    const received: { body: string; headers: IncomingMessage['headers'] }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ body, headers: request.headers });
        response.end('');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

    const delivery = await sendEvent(url, { signingSecret: SECRET, slack, event: { type: 'app_home_opened', user: 'U0BOB', channel: 'D0BOB', tab: 'home' } });
    const replayed = await deliver(url, delivery.sentBody, delivery.sentHeaders);
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const first = received[0];
    expect(delivery.status).toBe(200);
    expect(replayed.status).toBe(200);
    expect(first?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(first?.body ?? '{}')).toEqual(delivery.payload);
    expect(verifiedByBolt(first?.body ?? '', { 'x-slack-signature': String(first?.headers['x-slack-signature']), 'x-slack-request-timestamp': String(first?.headers['x-slack-request-timestamp']) })).toBe(true);
  });
});
