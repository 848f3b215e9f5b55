import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { recordingLogger } from './support.ts';

/** What Bolt's respond() does: POST JSON to the response_url (@slack/bolt 5.1 dist/context/create-respond.js). */
async function respond(url: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Slack emulator response_url', () => {
  let slack: SlackEmulator;
  let clock: number;
  let client: WebClient;

  beforeEach(async () => {
    clock = Date.parse('2026-12-01T10:00:00Z');
    slack = await startSlackEmulator({ rateLimits: false, now: () => clock });
    client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('answers an ephemeral message to the person by default', async () => {
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE');

    const answer = await respond(url, { text: 'Working on it' });

    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(slack.ephemerals()).toMatchObject([{ channel: 'C0ALERTS', user: 'U0ALICE', text: 'Working on it', via: 'response_url' }]);
    expect(slack.messages('C0ALERTS')).toEqual([]);
  });

  it('posts in the channel (and in a thread) with response_type in_channel', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'incident' });
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE');

    await respond(url, { text: 'Restarted by Alice', response_type: 'in_channel', thread_ts: parent.ts });

    expect(slack.thread('C0ALERTS', parent.ts ?? '')).toMatchObject([{ text: 'Restarted by Alice', via: 'response_url' }]);
  });

  it('replaces and deletes the original message of a click', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'v1' });
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE', { messageTs: posted.ts ?? '' });

    await respond(url, { text: 'v2', replace_original: true });
    const versions = slack.message('C0ALERTS', posted.ts ?? '')?.versions.map((v) => [v.text, v.via]);
    await respond(url, { delete_original: true });

    expect(versions).toEqual([['v1', 'chat.postMessage'], ['v2', 'response_url']]);
    expect(slack.message('C0ALERTS', posted.ts ?? '')?.deleted).toBe(true);
    expect(slack.responses({ url }).map((r) => r.effect)).toEqual(['replace_original', 'delete_original']);
  });

  it('refuses replace_original when the interaction had no message (a slash command)', async () => {
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE');

    const answer = await respond(url, { text: 'x', replace_original: true });

    expect(answer).toEqual({ status: 404, body: { ok: false, error: 'message_not_found' } });
  });

  it('takes 5 uses and refuses the 6th', async () => {
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE');

    const statuses = [];
    for (let i = 1; i <= 6; i += 1) statuses.push((await respond(url, { text: `update ${i}` })).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.responses({ url }).at(-1)).toMatchObject({ status: 404, effect: 'refused', response: { error: 'used_url' } });
    expect(slack.ephemerals()).toHaveLength(5);
  });

  it('expires 30 minutes after it was issued', async () => {
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE');

    clock += 30 * 60 * 1000;
    const lastMoment = await respond(url, { text: 'just in time' });
    clock += 1;
    const late = await respond(url, { text: 'too late' });

    expect(lastMoment.status).toBe(200);
    expect(late).toEqual({ status: 404, body: { ok: false, error: 'expired_url' } });
  });

  it('refuses an unknown response_url', async () => {
    const answer = await respond(`${slack.url}/response/T0PODWHY1/0/forged`, { text: 'x' });

    expect(answer.body).toEqual({ ok: false, error: 'expired_url' });
  });

  it('checks Block Kit limits and records violations on response_url payloads too', async () => {
    const url = slack.newResponseUrl('C0ALERTS', 'U0ALICE');

    const refused = await respond(url, { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
    await respond(url, { text: 'hey <!here>' });

    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]'] } } });
    expect(slack.violations()).toMatchObject([{ source: 'response_url', kind: 'broadcast-mention', detail: '<!here>' }]);
  });
});
