import { ErrorCode, retryPolicies, WebClient, WebClientEvent, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterAll, describe, expect, it } from 'vitest';
import { highestCountInWindow } from '../../src/slack-emulator/rate-limits.ts';
import { startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from '../../src/slack-emulator/server.ts';
import { recordingLogger, sleep } from './support.ts';

const CHANNELS = [
  { id: 'C0ALERTS', name: 'alerts' },
  { id: 'C0PROD', name: 'prod-alerts' },
  { id: 'C0STAGE', name: 'stage-alerts' },
];

/** A raw Web API call (no WebClient): the shape of a client that ignores Retry-After. */
async function rawPost(slack: SlackEmulator, method: string, fields: Record<string, string>): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${slack.botToken}` },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
}

// Retry-After is whole seconds, so several tests wait about a second: they run concurrently, each on its own emulator.
describe.concurrent('Slack emulator rate limits', () => {
  const started: SlackEmulator[] = [];

  async function start(options: SlackEmulatorOptions): Promise<SlackEmulator> {
    const slack = await startSlackEmulator({ workspace: { channels: CHANNELS }, ...options });
    started.push(slack);
    return slack;
  }

  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });

  it('answers a burst to one channel with 429 + Retry-After; WebClient waits it out and every post lands, none early', async () => {
    const slack = await start({ rateLimits: { postMessagePerChannel: { limit: 2, windowMs: 500 } } });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy, logger: recordingLogger() });
    const waits: number[] = [];
    client.on(WebClientEvent.RATE_LIMITED, (retrySec: number) => waits.push(retrySec));
    const started = Date.now();

    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => client.chat.postMessage({ channel: 'C0ALERTS', text: `pod ${i}` })));

    expect(results.every((r) => r.ok)).toBe(true);
    expect(slack.messages('C0ALERTS').map((m) => m.text).sort()).toEqual(['pod 0', 'pod 1', 'pod 2', 'pod 3']);
    expect(slack.rateLimited('chat.postMessage').length).toBeGreaterThan(0);
    expect(slack.calls('chat.postMessage').filter((c) => c.status === 429).every((c) => c.response['error'] === 'ratelimited')).toBe(true);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((s) => s === 1)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(slack.ignoredRetryAfters()).toEqual([]);
    const [stats] = slack.channelRates('chat.postMessage');
    expect(stats).toMatchObject({ channel: 'C0ALERTS', ignoredRetryAfter: 0 });
    expect(highestCountInWindow(stats?.acceptedAt ?? [], 500)).toBeLessThanOrEqual(2);
  });

  it('lets WebClient with its default retry policy recover from a 429 without an ignored Retry-After', async () => {
    const slack = await start({ rateLimits: { postMessagePerChannel: { limit: 2, windowMs: 300 } } });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: recordingLogger() });

    await client.chat.postMessage({ channel: 'C0ALERTS', text: '1' });
    await client.chat.postMessage({ channel: 'C0ALERTS', text: '2' });
    const third = await client.chat.postMessage({ channel: 'C0ALERTS', text: '3' });

    expect(third.ok).toBe(true);
    expect(slack.calls('chat.postMessage').map((c) => c.status)).toEqual([200, 200, 429, 200]);
    expect(slack.ignoredRetryAfters()).toEqual([]);
  });

  it('surfaces the 429 to a WebClient with rejectRateLimitedCalls, with Retry-After rounded up to whole seconds', async () => {
    const slack = await start({ rateLimits: { postMessagePerChannel: { limit: 3, windowMs: 2_500 } } });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, logger: recordingLogger() });
    for (const text of ['1', '2', '3']) await client.chat.postMessage({ channel: 'C0ALERTS', text });

    const error = (await client.chat.postMessage({ channel: 'C0ALERTS', text: '4' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;

    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(3);
    expect(slack.messages('C0ALERTS')).toHaveLength(3);
    expect(slack.rateLimited()).toMatchObject([{ method: 'chat.postMessage', channel: 'C0ALERTS', retryAfterSeconds: 3, scope: 'channel' }]);
  });

  it('limits each channel on its own: a 429 in one channel does not refuse another', async () => {
    const slack = await start({ rateLimits: { postMessagePerChannel: { limit: 1, windowMs: 1_000 } } });

    const first = await rawPost(slack, 'chat.postMessage', { channel: 'C0PROD', text: 'a' });
    const refused = await rawPost(slack, 'chat.postMessage', { channel: 'C0PROD', text: 'b' });
    const other = await rawPost(slack, 'chat.postMessage', { channel: 'C0STAGE', text: 'c' });

    expect([first.status, refused.status, other.status]).toEqual([200, 429, 200]);
    expect(refused).toMatchObject({ retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
  });

  it('records a client that resends too early or keeps calling inside Retry-After as ignoring the 429', async () => {
    const slack = await start({ rateLimits: { postMessagePerChannel: { limit: 1, windowMs: 1_000 }, ignoreGraceMs: 100 } });
    await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'first' });
    const refused = await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'second' });

    await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'second' });
    await sleep(200);
    await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'third' });

    expect(refused.status).toBe(429);
    expect(slack.ignoredRetryAfters().map((i) => [i.channel, i.rule])).toEqual([
      ['C0ALERTS', 'resent-before-retry-after'],
      ['C0ALERTS', 'called-during-retry-after'],
    ]);
    expect(slack.channelRates('chat.postMessage')[0]?.ignoredRetryAfter).toBe(2);
  });

  it('does not count a call that waited out the Retry-After', async () => {
    const slack = await start({ rateLimits: { postMessagePerChannel: { limit: 1, windowMs: 400 } } });
    await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'first' });
    const refused = await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'second' });

    await sleep(Number(refused.retryAfter) * 1000);
    const retried = await rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: 'second' });

    expect(retried.status).toBe(200);
    expect(slack.ignoredRetryAfters()).toEqual([]);
  });

  it('applies the workspace-wide chat.postMessage limit across channels', async () => {
    const slack = await start({ rateLimits: { postMessagePerWorkspace: { limit: 3, windowMs: 60_000 } } });

    const statuses = [];
    for (const channel of ['C0ALERTS', 'C0PROD', 'C0STAGE', 'C0ALERTS']) statuses.push((await rawPost(slack, 'chat.postMessage', { channel, text: 'x' })).status);

    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(slack.rateLimited()[0]?.scope).toBe('workspace');
  });

  it('limits tiered methods per method: chat.update is Tier 3', async () => {
    const slack = await start({ rateLimits: { tiers: { 3: { limit: 2, windowMs: 60_000 } } } });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, logger: recordingLogger() });
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'v0' });

    await client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'v1' });
    await client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'v2' });
    const error = (await client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'v3' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    const ephemeral = await client.chat.postEphemeral({ channel: 'C0ALERTS', user: 'U0ALICE', text: 'Tier 4 is separate' });

    expect(error.retryAfter).toBe(60);
    expect(ephemeral.ok).toBe(true);
    expect(slack.message('C0ALERTS', posted.ts ?? '')?.versions.map((v) => v.text)).toEqual(['v0', 'v1', 'v2']);
  });

  it('enforces nothing when rate limits are off', async () => {
    const slack = await start({ rateLimits: false });

    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => rawPost(slack, 'chat.postMessage', { channel: 'C0ALERTS', text: `${i}` }).then((r) => r.status)));

    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(slack.rateLimited()).toEqual([]);
  });
});

describe('highestCountInWindow', () => {
  it('finds the busiest window', () => {
    expect(highestCountInWindow([0, 100, 1_100, 1_150, 1_190, 5_000], 1_000)).toBe(3);
    expect(highestCountInWindow([0, 1_000, 2_000], 1_000)).toBe(1);
    expect(highestCountInWindow([], 1_000)).toBe(0);
  });
});
