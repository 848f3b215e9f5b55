import type { AddressInfo } from 'node:net';
import { App, type BlockAction, type ButtonAction, type SlashCommand, type ViewSubmitAction } from '@slack/bolt';
import { retryPolicies, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { deliver, sendBlockAction, sendSlashCommand, sendViewSubmission } from '../../src/slack-emulator/signer.ts';
import { recordingLogger, sleep, until } from './support.ts';

const SIGNING_SECRET = 'emulator-test-signing-secret';

const incidentBlocks = [
  { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: '*api-7f9c* is crash-looping' } },
  {
    type: 'actions',
    block_id: 'pod-actions',
    elements: [
      { type: 'button', action_id: 'restart_pod', text: { type: 'plain_text', text: 'Restart pod' }, value: '{"cluster":"prod","uid":"9a1b"}', style: 'danger' },
    ],
  },
];
const incidentMetadata = { event_type: 'podwhy_incident', event_payload: { cluster: 'prod', incident: 'shop/api' } };

/** The real Bolt app in HTTP mode (default HTTPReceiver), pointed at the emulator. */
describe('real Bolt app against the Slack emulator, with signed requests', () => {
  let slack: SlackEmulator;
  let app: App;
  let eventsUrl: string;
  const seen: { commands: SlashCommand[]; actions: BlockAction<ButtonAction>[]; submissions: ViewSubmitAction[]; respondErrors: unknown[] } = { commands: [], actions: [], submissions: [], respondErrors: [] };

  beforeEach(async () => {
    seen.commands = [];
    seen.actions = [];
    seen.submissions = [];
    seen.respondErrors = [];
    slack = await startSlackEmulator({ rateLimits: false });
    app = new App({
      token: slack.botToken,
      signingSecret: SIGNING_SECRET,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy },
      logger: recordingLogger(),
    });
    app.command('/pod', async ({ ack, command, client }) => {
      seen.commands.push(command);
      await ack({ response_type: 'ephemeral', text: `Looking into ${command.text}…` });
      await client.chat.postMessage({ channel: command.channel_id, text: `Diagnosis of ${command.text}`, blocks: incidentBlocks, metadata: incidentMetadata });
    });
    app.action<BlockAction<ButtonAction>>('restart_pod', async ({ ack, body, respond, client }) => {
      seen.actions.push(body);
      await ack();
      await client.views.open({ trigger_id: body.trigger_id, view: { type: 'modal', callback_id: 'confirm_restart', title: { type: 'plain_text', text: 'Restart pod?' }, submit: { type: 'plain_text', text: 'Restart' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Really?' } }] } });
      await respond({ text: 'Restart requested', replace_original: false }).catch((e: unknown) => seen.respondErrors.push(e));
    });
    app.view<ViewSubmitAction>('confirm_restart', async ({ ack, body }) => {
      seen.submissions.push(body);
      await ack();
    });
    // HTTPReceiver.start(ListenOptions) → http.Server (@slack/bolt 5.1 dist/receivers/HTTPReceiver.js); App.start passes it through.
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    // Bolt calls auth.test from its constructor without waiting (tokenVerificationEnabled, App.js singleAuthorization).
    await until(() => slack.calls('auth.test').length > 0, 5_000, "Bolt's auth.test");
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterEach(async () => {
    await app.stop();
    await slack.close();
  });

  it('calls auth.test on the emulator when the app is built', () => {
    expect(slack.calls('auth.test').map((c) => c.response['ok'])).toEqual([true]);
  });

  it('runs the /pod listener for a signed slash command; its ack comes back and its post lands in the emulator', async () => {
    const delivery = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, slack, command: '/pod', text: 'why shop/api-7f9c', userId: 'U0ALICE', channelId: 'C0ALERTS' });

    await until(() => slack.messages('C0ALERTS').length === 1, 5_000, 'the diagnosis post');
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body)).toEqual({ response_type: 'ephemeral', text: 'Looking into why shop/api-7f9c…' });
    expect(seen.commands[0]).toMatchObject({ command: '/pod', text: 'why shop/api-7f9c', user_id: 'U0ALICE', user_name: 'alice', channel_id: 'C0ALERTS', channel_name: 'alerts', team_id: 'T0PODWHY1', api_app_id: 'A0PODWHY1' });
    expect(seen.commands[0]?.response_url).toMatch(new RegExp(`^${slack.url}/response/`));
    expect(slack.messages('C0ALERTS')[0]).toMatchObject({ text: 'Diagnosis of why shop/api-7f9c', metadata: incidentMetadata });
  });

  it('answers 401 to a request signed with the wrong secret, and the listener never runs', async () => {
    const delivery = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, signWithSecret: 'guessed-secret', slack, command: '/pod', text: 'why x', userId: 'U0ALICE', channelId: 'C0ALERTS' });

    await sleep(100);
    expect(delivery.status).toBe(401);
    expect(seen.commands).toEqual([]);
    expect(slack.calls('chat.postMessage')).toEqual([]);
  });

  it('answers 401 to a malformed signature header', async () => {
    const delivery = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, signature: 'v1=deadbeef', slack, command: '/pod', text: 'why x', userId: 'U0ALICE', channelId: 'C0ALERTS' });

    expect(delivery.status).toBe(401);
    expect(seen.commands).toEqual([]);
  });

  it('answers 401 to a correctly signed request whose timestamp is 6 minutes old', async () => {
    const delivery = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, timestampShiftSeconds: -360, slack, command: '/pod', text: 'why x', userId: 'U0ALICE', channelId: 'C0ALERTS' });

    expect(delivery.status).toBe(401);
    expect(seen.commands).toEqual([]);
  });

  it('Bolt 5 alone ACCEPTS a correctly signed request 10 minutes in the future: the gateway needs its own two-sided check', async () => {
    // @slack/bolt 5.1 verify-request.js only rejects `requestTimestampSec < fiveMinutesAgoSec`.
    const delivery = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, timestampShiftSeconds: 600, slack, command: '/pod', text: 'why x', userId: 'U0ALICE', channelId: 'C0ALERTS' });

    expect(delivery.status).toBe(200);
    expect(seen.commands).toHaveLength(1);
  });

  it('Bolt 5 alone ACCEPTS a replay of a captured request: the gateway needs its own dedupe', async () => {
    const first = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, slack, command: '/pod', text: 'why x', userId: 'U0ALICE', channelId: 'C0ALERTS' });

    const replay = await deliver(eventsUrl, first.sentBody, first.sentHeaders);

    expect([first.status, replay.status]).toEqual([200, 200]);
    expect(seen.commands).toHaveLength(2);
  });

  it('delivers a signed button click with the clicked message and its metadata; respond() reaches the response_url', async () => {
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'api-7f9c is crash-looping', blocks: incidentBlocks, metadata: incidentMetadata });

    const delivery = await sendBlockAction(eventsUrl, { signingSecret: SIGNING_SECRET, slack, userId: 'U0BOB', channelId: 'C0ALERTS', messageTs: posted.ts ?? '', actionId: 'restart_pod' });

    await until(() => slack.responses().length === 1, 5_000, 'the respond() call');
    expect(delivery.status).toBe(200);
    const body = seen.actions[0];
    expect(body?.actions[0]).toMatchObject({ action_id: 'restart_pod', block_id: 'pod-actions', type: 'button', value: '{"cluster":"prod","uid":"9a1b"}', text: { type: 'plain_text', text: 'Restart pod' } });
    expect(body?.container).toEqual({ type: 'message', message_ts: posted.ts, channel_id: 'C0ALERTS', is_ephemeral: false });
    expect(body?.message?.['metadata']).toEqual(incidentMetadata);
    expect(body).toMatchObject({ user: { id: 'U0BOB', username: 'bob' }, team: { id: 'T0PODWHY1' }, api_app_id: 'A0PODWHY1', channel: { id: 'C0ALERTS', name: 'alerts' } });
    expect(slack.responses()).toMatchObject([{ user: 'U0BOB', channel: 'C0ALERTS', status: 200, effect: 'ephemeral', body: { text: 'Restart requested', replace_original: false } }]);
    expect(slack.ephemerals({ user: 'U0BOB' })).toMatchObject([{ text: 'Restart requested', via: 'response_url' }]);
    expect(seen.respondErrors).toEqual([]);
  });

  it('lets the action listener open a modal with the click\'s trigger_id, and delivers its view_submission', async () => {
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'incident', blocks: incidentBlocks });
    await sendBlockAction(eventsUrl, { signingSecret: SIGNING_SECRET, slack, userId: 'U0ALICE', channelId: 'C0ALERTS', messageTs: posted.ts ?? '', actionId: 'restart_pod' });
    await until(() => slack.workspace.modals('U0ALICE').length === 1, 5_000, 'the modal');
    const modal = slack.workspace.modals('U0ALICE')[0];

    const delivery = await sendViewSubmission(eventsUrl, { signingSecret: SIGNING_SECRET, slack, userId: 'U0ALICE', viewId: modal?.id ?? '', values: { reason: { reason_input: { type: 'plain_text_input', value: 'stuck' } } } });

    expect(delivery.status).toBe(200);
    expect(seen.submissions[0]?.view).toMatchObject({ id: modal?.id, callback_id: 'confirm_restart', state: { values: { reason: { reason_input: { value: 'stuck' } } } } });
  });

  it('answers 401 to a forged button click', async () => {
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'incident', blocks: incidentBlocks });

    const delivery = await sendBlockAction(eventsUrl, { signingSecret: SIGNING_SECRET, signWithSecret: 'nope', slack, userId: 'U0BOB', channelId: 'C0ALERTS', messageTs: posted.ts ?? '', actionId: 'restart_pod', value: '{"cluster":"prod","uid":"someone-else"}' });

    await sleep(100);
    expect(delivery.status).toBe(401);
    expect(seen.actions).toEqual([]);
    expect(slack.responses()).toEqual([]);
  });
});
