import { ErrorCode, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { recordingLogger } from './support.ts';

/** Runs a call that must fail and returns WebClient's platform error. */
async function platformError(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const coded = error as WebAPIPlatformError;
  expect(coded.code).toBe(ErrorCode.PlatformError);
  return coded;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('Slack emulator driven by the real WebClient', () => {
  let slack: SlackEmulator;
  let client: WebClient;

  beforeEach(async () => {
    slack = await startSlackEmulator({ rateLimits: false });
    client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('listens on 127.0.0.1 and gives an apiUrl ending in /api/', () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(slack.apiUrl).toBe(`${slack.url}/api/`);
  });

  it('answers auth.test with the app identity Bolt reads at start', async () => {
    const result = await client.auth.test();

    expect(result).toMatchObject({ ok: true, team_id: 'T0PODWHY1', user_id: 'U0PODWHYBOT', bot_id: 'B0PODWHY1' });
  });

  it('posts a message with blocks and metadata, decoding WebClient\'s form-encoded JSON fields', async () => {
    const blocks = [section('*api-7f9c* is crash-looping')];
    const metadata = { event_type: 'podwhy_incident', event_payload: { incident: 'prod/shop/api', pods: 3 } };

    const result = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'api-7f9c is crash-looping', blocks, metadata });

    expect(result.ok).toBe(true);
    expect(result.ts).toMatch(/^\d{10}\.\d{6}$/);
    const stored = slack.message('C0ALERTS', result.ts ?? '');
    expect(stored).toMatchObject({ text: 'api-7f9c is crash-looping', blocks, metadata, user: 'U0PODWHYBOT', botId: 'B0PODWHY1' });
    expect(slack.calls('chat.postMessage')[0]?.args).toEqual({ channel: 'C0ALERTS', text: 'api-7f9c is crash-looping', blocks, metadata });
  });

  it('gives every message a strictly increasing ts in Slack format', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.postMessage({ channel: 'C0ALERTS', text: `m${i}` })));

    const stamps = results.map((r) => r.ts ?? '').sort();
    expect(new Set(stamps).size).toBe(20);
    for (const ts of stamps) expect(ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.messages('C0ALERTS').map((m) => m.ts)).toEqual(stamps);
  });

  it('keeps thread replies apart from the channel and under their parent', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'incident' });

    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'reply 1', thread_ts: parent.ts ?? '' });
    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'reply 2', thread_ts: parent.ts ?? '' });

    expect(slack.messages('C0ALERTS').map((m) => m.text)).toEqual(['incident']);
    expect(slack.thread('C0ALERTS', parent.ts ?? '').map((m) => m.text)).toEqual(['reply 1', 'reply 2']);
  });

  it('files a reply to a reply under the thread parent and records it as a violation', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'incident' });
    const reply = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'reply', thread_ts: parent.ts ?? '' });

    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'reply to reply', thread_ts: reply.ts ?? '' });

    expect(slack.thread('C0ALERTS', parent.ts ?? '').map((m) => m.text)).toEqual(['reply', 'reply to reply']);
    expect(slack.violations('thread-ts-of-reply')).toHaveLength(1);
  });

  it('answers thread_not_found for a thread_ts that names no message', async () => {
    const error = await platformError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'x', thread_ts: '1700000000.000001' }));

    expect(error.data.error).toBe('thread_not_found');
  });

  it('edits a message and keeps every version, blocks kept when an edit leaves them out', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'v1', blocks: [section('v1')], metadata: { event_type: 'e', event_payload: { n: 1 } } });

    await client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'v2', blocks: [section('v2')] });
    const third = await client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'v3' });

    expect(third).toMatchObject({ ok: true, ts: posted.ts, text: 'v3' });
    const stored = slack.message('C0ALERTS', posted.ts ?? '');
    expect(stored?.versions.map((v) => v.text)).toEqual(['v1', 'v2', 'v3']);
    expect(stored?.blocks).toEqual([section('v2')]);
    expect(stored?.metadata).toEqual({ event_type: 'e', event_payload: { n: 1 } });
    expect(stored?.versions.map((v) => v.via)).toEqual(['chat.postMessage', 'chat.update', 'chat.update']);
  });

  it('refuses to edit or delete a message that does not exist', async () => {
    const update = await platformError(client.chat.update({ channel: 'C0ALERTS', ts: '1700000000.000001', text: 'x' }));
    const remove = await platformError(client.chat.delete({ channel: 'C0ALERTS', ts: '1700000000.000001' }));

    expect(update.data.error).toBe('message_not_found');
    expect(remove.data.error).toBe('message_not_found');
  });

  it('deletes a message: gone from the channel, still queryable as deleted', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'oops' });

    await client.chat.delete({ channel: 'C0ALERTS', ts: posted.ts ?? '' });

    expect(slack.messages('C0ALERTS')).toEqual([]);
    expect(slack.message('C0ALERTS', posted.ts ?? '')?.deleted).toBe(true);
    expect((await platformError(client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'again' }))).data.error).toBe('message_not_found');
  });

  it('posts an ephemeral message to one person and answers its message_ts', async () => {
    const result = await client.chat.postEphemeral({ channel: 'C0ALERTS', user: 'U0BOB', text: 'only you can see this' });

    expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.ephemerals({ user: 'U0BOB' })).toMatchObject([{ channel: 'C0ALERTS', user: 'U0BOB', text: 'only you can see this', via: 'chat.postEphemeral' }]);
    expect(slack.messages('C0ALERTS')).toEqual([]);
    expect((await platformError(client.chat.postEphemeral({ channel: 'C0ALERTS', user: 'U0NOBODY', text: 'x' }))).data.error).toBe('user_not_found');
  });

  it('gives permalinks in Slack\'s format, with thread_ts for replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'incident' });
    const reply = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'reply', thread_ts: parent.ts ?? '' });

    const parentLink = await client.chat.getPermalink({ channel: 'C0ALERTS', message_ts: parent.ts ?? '' });
    const replyLink = await client.chat.getPermalink({ channel: 'C0ALERTS', message_ts: reply.ts ?? '' });

    expect(parentLink.permalink).toBe(`https://podwhy-test.slack.com/archives/C0ALERTS/p${(parent.ts ?? '').replace('.', '')}`);
    expect(replyLink.permalink).toBe(`https://podwhy-test.slack.com/archives/C0ALERTS/p${(reply.ts ?? '').replace('.', '')}?thread_ts=${parent.ts}&cid=C0ALERTS`);
  });

  it('publishes an App Home view per person, guarding updates with the view hash', async () => {
    const view = { type: 'home' as const, blocks: [section('2 open incidents')] };

    const first = await client.views.publish({ user_id: 'U0ALICE', view });
    const second = await client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [section('1 open incident')] }, hash: first.view?.hash ?? '' });
    const stale = await platformError(client.views.publish({ user_id: 'U0ALICE', view, hash: first.view?.hash ?? '' }));

    expect(second.view?.id).toBe(first.view?.id);
    expect(slack.homeView('U0ALICE')?.view['blocks']).toEqual([section('1 open incident')]);
    expect(slack.homeView('U0ALICE')?.history).toHaveLength(1);
    expect(slack.homeView('U0BOB')).toBeUndefined();
    expect(stale.data.error).toBe('hash_conflict');
  });

  it('opens a modal with a trigger id once, then answers exchanged_trigger_id', async () => {
    const triggerId = slack.newTriggerId('U0ALICE');
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Confirm restart' }, blocks: [section('Restart api-7f9c?')] };

    const opened = await client.views.open({ trigger_id: triggerId, view });
    const again = await platformError(client.views.open({ trigger_id: triggerId, view }));
    const unknown = await platformError(client.views.open({ trigger_id: '1.2.3', view }));

    expect(opened.view?.id).toBe(slack.workspace.modals('U0ALICE')[0]?.id);
    expect(again.data.error).toBe('exchanged_trigger_id');
    expect(unknown.data.error).toBe('invalid_trigger_id');
  });

  it('looks up people with their profile email and conversations with the bot\'s membership', async () => {
    const user = await client.users.info({ user: 'U0ALICE' });
    const general = await client.conversations.info({ channel: 'C0GENERAL' });

    expect(user.user).toMatchObject({ id: 'U0ALICE', name: 'alice', is_admin: true, profile: { email: 'alice@example.com' } });
    expect(general.channel).toMatchObject({ id: 'C0GENERAL', is_member: false, is_private: false });
    expect((await platformError(client.users.info({ user: 'U0NOBODY' }))).data.error).toBe('user_not_found');
  });

  it('answers not_in_channel in a public channel the bot has not joined, and lets it post after conversations.join', async () => {
    const refused = await platformError(client.chat.postMessage({ channel: 'C0GENERAL', text: 'hello' }));

    await client.conversations.join({ channel: 'C0GENERAL' });
    const posted = await client.chat.postMessage({ channel: 'C0GENERAL', text: 'hello' });

    expect(refused.data.error).toBe('not_in_channel');
    expect(posted.ok).toBe(true);
  });

  it('answers channel_not_found for unknown channels and for private channels the bot is not in', async () => {
    const unknown = await platformError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }));
    const hidden = await platformError(client.chat.postMessage({ channel: 'C0HIDDEN', text: 'x' }));

    expect(unknown.data.error).toBe('channel_not_found');
    expect(hidden.data.error).toBe('channel_not_found');
    expect(slack.messages('C0HIDDEN')).toEqual([]);
  });

  it('posts to a person\'s DM with the app when the channel is a user id', async () => {
    const result = await client.chat.postMessage({ channel: 'U0BOB', text: 'your pod is fixed' });

    expect(result.channel).toMatch(/^D/);
    expect(slack.workspace.channel(result.channel ?? '')).toMatchObject({ kind: 'im', user: 'U0BOB' });
    expect(slack.messages(result.channel ?? '').map((m) => m.text)).toEqual(['your pod is fixed']);
  });

  it('rejects a missing token with not_authed and a wrong one with invalid_auth', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const stranger = new WebClient('xoxb-not-ours', { slackApiUrl: slack.apiUrl, logger: recordingLogger() });

    const missing = await platformError(anonymous.chat.postMessage({ channel: 'C0ALERTS', text: 'x' }));
    const wrong = await platformError(stranger.auth.test());

    expect(missing.data.error).toBe('not_authed');
    expect(wrong.data.error).toBe('invalid_auth');
    expect(slack.messages('C0ALERTS')).toEqual([]);
  });

  it('opens a Socket Mode connection only for an app-level token: a bot token is the wrong type, an unknown one invalid_auth', async () => {
    const app = new WebClient(slack.appToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const stranger = new WebClient('xapp-1-not-ours', { slackApiUrl: slack.apiUrl, logger: recordingLogger() });

    const opened = await app.apps.connections.open();
    const withBotToken = await platformError(client.apps.connections.open());
    const unknown = await platformError(stranger.apps.connections.open());
    const appTokenElsewhere = await platformError(app.chat.postMessage({ channel: 'C0ALERTS', text: 'x' }));

    expect(opened).toMatchObject({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/) });
    expect(withBotToken.data.error).toBe('not_allowed_token_type');
    expect(unknown.data.error).toBe('invalid_auth');
    expect(appTokenElsewhere.data.error).toBe('not_allowed_token_type');
    expect(slack.calls('apps.connections.open')).toHaveLength(3);
  });

  it('answers unknown_method for a method it does not know', async () => {
    const error = await platformError(client.apiCall('pods.explain', { pod: 'x' }));

    expect(error.data.error).toBe('unknown_method');
  });

  it('accepts application/json bodies with the token in the Authorization header, as Slack does', async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${slack.botToken}` },
      body: JSON.stringify({ channel: 'C0ALERTS', text: 'json', blocks: [section('json')] }),
    });

    expect(await response.json()).toMatchObject({ ok: true, channel: 'C0ALERTS' });
    expect(slack.messages('C0ALERTS')[0]?.blocks).toEqual([section('json')]);
  });

  it('scripts Slack outages: a 500, an ok:false error, a 429 with a long Retry-After', async () => {
    const impatient = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger(), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    slack.failNext('chat.postMessage', { status: 500 });
    slack.failNext('chat.postMessage', { error: 'internal_error' });
    slack.failNext('chat.postMessage', { retryAfterSeconds: 300 });

    const http = await impatient.chat.postMessage({ channel: 'C0ALERTS', text: 'x' }).catch((e: unknown) => e);
    const platform = await impatient.chat.postMessage({ channel: 'C0ALERTS', text: 'x' }).catch((e: unknown) => e);
    const limited = await impatient.chat.postMessage({ channel: 'C0ALERTS', text: 'x' }).catch((e: unknown) => e);
    const fine = await impatient.chat.postMessage({ channel: 'C0ALERTS', text: 'x' });

    expect(http).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(platform).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'internal_error' } });
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 300 });
    expect(fine.ok).toBe(true);
    expect(slack.calls('chat.postMessage').map((c) => c.status)).toEqual([500, 200, 429, 200]);
  });
});

describe('Slack emulator Block Kit checks through WebClient', () => {
  let slack: SlackEmulator;
  let client: WebClient;

  beforeEach(async () => {
    slack = await startSlackEmulator({ rateLimits: false });
    client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('answers invalid_blocks naming the offending path, and WebClient throws slack_webapi_platform_error', async () => {
    const blocks = [section('ok'), section('x'.repeat(3_001))];

    const error = await platformError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'too long', blocks }));

    expect(error.data.error).toBe('invalid_blocks');
    expect(error.data.response_metadata?.messages).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]']);
    expect(slack.messages('C0ALERTS')).toEqual([]);
  });

  it('refuses 51 blocks in a message but takes 100 in a Home tab', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`b${i}`));

    const message = await platformError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'many', blocks }));
    const home = await client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [...blocks, ...blocks.slice(0, 49)] } });
    const tooBigHome = await platformError(client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [...blocks, ...blocks] } }));

    expect(message.data.response_metadata?.messages).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
    expect(home.ok).toBe(true);
    expect(tooBigHome.data).toMatchObject({ error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'] } });
  });

  it('answers msg_blocks_too_long when the blocks together pass the hidden total, though each block is within its limit', async () => {
    const blocks = Array.from({ length: 5 }, () => section('y'.repeat(2_500)));

    const error = await platformError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'long', blocks }));

    expect(error.data.error).toBe('msg_blocks_too_long');
  });

  it('answers msg_too_long above 40,000 characters of text and no_text for an empty message', async () => {
    const long = await platformError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'z'.repeat(40_001) }));
    const empty = await platformError(client.apiCall('chat.postMessage', { channel: 'C0ALERTS' }));

    expect(long.data.error).toBe('msg_too_long');
    expect(empty.data.error).toBe('no_text');
  });

  it('answers invalid_blocks_format when blocks is not a JSON array', async () => {
    const error = await platformError(client.apiCall('chat.postMessage', { channel: 'C0ALERTS', text: 'x', blocks: '[{"type":' }));

    expect(error.data.error).toBe('invalid_blocks_format');
  });

  it('checks metadata: an event_type string and an event_payload object', async () => {
    const noType = await platformError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'x', metadata: { event_payload: {} } as never }));
    const notJson = await platformError(client.apiCall('chat.postMessage', { channel: 'C0ALERTS', text: 'x', metadata: 'nope' }));

    expect(noType.data.error).toBe('invalid_metadata_schema');
    expect(notJson.data.error).toBe('invalid_metadata_format');
  });

  it('checks chat.update payloads too', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'fine' });

    // A header with mrkdwn text: @slack/types forbids it, so it goes through apiCall as a plain object.
    const error = await platformError(client.apiCall('chat.update', { channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'Header' } }] }));

    expect(error.data.response_metadata?.messages).toEqual(['[ERROR] must be plain_text [json-pointer:/blocks/0/text/type]']);
    expect(slack.message('C0ALERTS', posted.ts ?? '')?.versions).toHaveLength(1);
  });

  it('accepts but records link_names and live mentions, which Slack would deliver', async () => {
    const result = await client.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'pod says <!channel> and <@U0BOB>',
      blocks: [section('event: <!here> wake up'), { type: 'section', text: { type: 'plain_text', text: '<!channel> is inert in plain_text' } }],
      link_names: true,
    });

    expect(result.ok).toBe(true);
    expect(slack.violations().map((v) => [v.kind, v.detail, v.pointer])).toEqual([
      ['link-names', 'link_names is set', '/link_names'],
      ['broadcast-mention', '<!channel>', '/text'],
      ['user-mention', '<@U0BOB>', '/text'],
      ['broadcast-mention', '<!here>', '/blocks/0/text/text'],
    ]);
  });

  it('records no violation for escaped text', async () => {
    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'pod says &lt;!channel&gt;', blocks: [section('&lt;@U0BOB&gt; &amp; co')] });

    expect(slack.violations()).toEqual([]);
  });
});

describe('Slack emulator clock-driven expiries', () => {
  it('expires a trigger id 3 seconds after it was issued, as Slack does', async () => {
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const slack = await startSlackEmulator({ rateLimits: false, now: () => clock });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Confirm' }, blocks: [] };
    const fresh = slack.newTriggerId('U0ALICE');
    const stale = slack.newTriggerId('U0ALICE');

    clock += 3_000;
    const opened = await client.views.open({ trigger_id: fresh, view });
    clock += 1;
    const expired = await platformError(client.views.open({ trigger_id: stale, view }));
    await slack.close();

    expect(opened.ok).toBe(true);
    expect(expired.data.error).toBe('expired_trigger_id');
  });

  it('updates a modal by view id, refusing a stale hash', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
    const title = { type: 'plain_text' as const, text: 'Restart' };
    const opened = await client.views.open({ trigger_id: slack.newTriggerId('U0BOB'), view: { type: 'modal', title, blocks: [section('Restarting…')] } });

    const updated = await client.views.update({ view_id: opened.view?.id ?? '', hash: opened.view?.hash ?? '', view: { type: 'modal', title, blocks: [section('Done')] } });
    const stale = await platformError(client.views.update({ view_id: opened.view?.id ?? '', hash: opened.view?.hash ?? '', view: { type: 'modal', title, blocks: [section('Again')] } }));
    const missing = await platformError(client.views.update({ view_id: 'V0NOPE', view: { type: 'modal', title, blocks: [] } }));
    await slack.close();

    expect(updated.view?.blocks).toEqual([section('Done')]);
    expect(stale.data.error).toBe('hash_conflict');
    expect(missing.data.error).toBe('not_found');
  });
});
