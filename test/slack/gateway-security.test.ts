import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver, sendSlashCommand } from '../../src/slack-emulator/signer.ts';
import { SIGNING_SECRET, startTestGateway, type TestGateway } from './support.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Slack → gateway: what reaches a listener, and what never does. Real Bolt over real HTTP, the emulator as Slack. */
describe('the gateway\'s request checks', () => {
  let t: TestGateway;
  beforeEach(async () => {
    t = await startTestGateway();
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (extra: Parameters<typeof sendSlashCommand>[1] extends infer I ? Partial<I> : never) =>
    sendSlashCommand(t.eventsUrl, { signingSecret: SIGNING_SECRET, slack: t.slack, command: '/pod', text: 'why web', userId: 'U0ALICE', channelId: 'C0ALERTS', ...extra });

  it('takes a correctly signed /pod why: empty ack, one command job for the default cluster', async () => {
    const delivery = await send({});

    expect(delivery.status).toBe(200);
    expect(delivery.body).toBe('');
    expect(t.jobs).toMatchObject([{ trigger: 'command', cluster: 'prod', verb: 'why', subject: { kind: 'Query', query: 'web' }, requestedBy: 'U0ALICE', replyTo: { channel: 'C0ALERTS' } }]);
    expect(t.jobs[0]?.requestId).toBe(delivery.payload['trigger_id']);
    expect(JSON.stringify(t.jobs)).not.toContain('/response/');
  });

  it('answers 401 to a bad signature: no job, no Slack call', async () => {
    const delivery = await send({ signWithSecret: 'a-guessed-secret' });
    await sleep(100);

    expect(delivery.status).toBe(401);
    expect(t.jobs).toEqual([]);
    expect(t.slack.calls().filter((c) => c.method !== 'auth.test' && c.method !== 'bots.info')).toEqual([]);
  });

  it.each([
    ['6 minutes old', -360],
    ['10 minutes ahead', 600],
  ])('rejects a correctly signed request whose timestamp is %s', async (_what, shift) => {
    const delivery = await send({ timestampShiftSeconds: shift });
    await sleep(100);

    expect(delivery.status).toBe(401);
    expect(t.jobs).toEqual([]);
  });

  it('accepts a timestamp 4 minutes ahead (inside Slack\'s 5-minute bound)', async () => {
    const delivery = await send({ timestampShiftSeconds: 240 });

    expect(delivery.status).toBe(200);
    expect(t.jobs).toHaveLength(1);
  });

  it.each([
    ['team_id', { teamId: 'T0STRANGER' }],
    ['api_app_id', { apiAppId: 'A0OTHERAPP' }],
  ])('refuses a signed command with a foreign %s: no job, no answer', async (_field, identity) => {
    const delivery = await send(identity);
    await sleep(100);

    expect(delivery.status).toBe(200);
    expect(delivery.body).toBe('');
    expect(t.jobs).toEqual([]);
    expect(t.slack.calls('chat.postMessage')).toEqual([]);
    expect(t.logs.lines.join('')).toContain('Refused a request for another workspace or app');
  });

  it('answers a replayed identical command once', async () => {
    const first = await send({});

    const replay = await deliver(t.eventsUrl, first.sentBody, first.sentHeaders);

    expect([first.status, replay.status]).toEqual([200, 200]);
    expect(t.jobs).toHaveLength(1);
  });

  it('answers /pod help and a malformed command ephemerally in the ack, with the syntax; no job', async () => {
    const help = await send({ text: 'help' });
    const bad = await send({ text: 'why web --frobnicate' });

    expect(JSON.parse(help.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('/pod why') });
    const usage = JSON.parse(bad.body) as { response_type: string; text: string; blocks: unknown[] };
    expect(usage.response_type).toBe('ephemeral');
    expect(usage.text).toContain('unknown option "--frobnicate"');
    expect(JSON.stringify(usage.blocks)).toContain('/pod why POD');
    expect(t.jobs).toEqual([]);
  });

  it('answers an unknown --cluster ephemerally, naming the clusters it knows', async () => {
    const delivery = await send({ text: 'why web --cluster staging' });

    const answer = JSON.parse(delivery.body) as { response_type: string; text: string; blocks: unknown[] };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('No cluster named staging');
    expect(JSON.stringify(answer.blocks)).toContain('prod');
    expect(t.jobs).toEqual([]);
  });

  it('never logs the bot token, the signing secret or a response_url', async () => {
    await send({});
    await send({ signWithSecret: 'wrong' });

    const logged = t.logs.lines.join('\n');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).not.toContain(t.slack.botToken);
    expect(logged).not.toContain(SIGNING_SECRET);
    expect(logged).not.toContain('/response/');
  });
});
