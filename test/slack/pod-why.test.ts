import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CAUSE_IDS, type CauseId } from '../../src/contract/scenarios.ts';
import { sendBlockAction, sendSlashCommand } from '../../src/slack-emulator/signer.ts';
import type { StoredMessage } from '../../src/slack-emulator/workspace.ts';
import { startSimCluster, waitFor, type SimCluster } from '../agent/support.ts';
import { SIGNING_SECRET, startSingleProcess, type SingleProcess } from './support.ts';

// `/pod why` end to end, single process (podwhy agent with Slack): a signed slash command → real Bolt →
// the agent's in-process queue → the informer cache (real client-node against the simulated API server) →
// the real engine → a reply notify command → the Slack replier → the emulator.

let p: SingleProcess;
let cluster: SimCluster | undefined;
beforeAll(async () => {
  p = await startSingleProcess();
});
afterAll(async () => {
  await p.close();
});
afterEach(async () => {
  p.bind(undefined);
  await cluster?.close();
  cluster = undefined;
});

async function withCluster(setup: (c: SimCluster) => void): Promise<SimCluster> {
  const c = await startSimCluster();
  cluster = c;
  setup(c);
  await p.startAgent(c);
  return c;
}

function ask(text: string, channelId = 'C0OPS', userId = 'U0ALICE') {
  return sendSlashCommand(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, command: '/pod', text, userId, channelId });
}

function answersIn(channel: string, after: number): StoredMessage[] {
  return p.slack.messages(channel).filter((m) => m.postedAt >= after && m.threadTs === undefined);
}

async function clickDetails(message: StoredMessage): Promise<StoredMessage> {
  expect(JSON.stringify(message.blocks)).toContain('podwhy.rediagnose');
  const click = await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', channelId: message.channel, messageTs: message.ts, actionId: 'podwhy.rediagnose' });
  expect(click.status).toBe(200);
  return waitFor(() => p.slack.thread(message.channel, message.ts).find((m) => m.ts !== message.ts), 'the Details answer in the thread');
}

function allText(message: { text?: string; blocks?: unknown }): string {
  return `${message.text ?? ''}\n${JSON.stringify(message.blocks ?? [])}`;
}

describe('/pod why on a simulated cluster, single process', () => {
  it.each(ALL_CAUSE_IDS.map((id) => [id]))('answers in the channel for a workload broken with %s: the cause in the metadata, a readable message', async (cause: CauseId) => {
    await withCluster((c) => c.sim.breakWorkload(cause, { namespace: 'shop', name: 'broken', replicas: 1 }));
    const before = Date.now();

    const delivery = await ask('why deploy/broken -n shop');
    const first = await waitFor(() => answersIn('C0OPS', before)[0], `the answer for ${cause}`);
    // Several Pods matched (an evicted Pod and its replacement, a terminating one and its successor): the answer
    // lists them, each with a "Details" button; a click answers with that Pod's full diagnosis in the thread.
    const answer = first.metadata?.event_payload['cause'] !== undefined ? first : await clickDetails(first);

    expect(delivery.status).toBe(200);
    expect(answer?.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { cause, cluster: 'prod', namespace: 'shop' } });
    expect(answer?.text.length).toBeGreaterThan(20);
    expect(allText(answer ?? {})).toContain('U0ALICE');
    // "Asked by <@U0ALICE>" names the asker on purpose (src/slack/render/command.ts); nothing else may mention anyone.
    expect(p.slack.violations().filter((v) => !(v.kind === 'user-mention' && v.detail === '<@U0ALICE>')).map((v) => JSON.stringify(v).slice(0, 300))).toEqual([]);
  });

  it('says "No problems found" with the phase for a healthy Pod found without -n (every watched namespace searched)', async () => {
    const c = await withCluster((sim) => sim.sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 1 }));
    const pod = c.store.list('pods').items.find((item) => item.metadata.namespace === 'shop');
    const before = Date.now();

    await ask(`why ${pod?.metadata.name ?? ''}`);
    const answer = await waitFor(() => answersIn('C0OPS', before)[0], 'the healthy answer');

    expect(answer?.text).toContain('No problems found');
    expect(answer?.text).toContain('Running');
  });

  it('answers an unknown Pod only to the asker, with the closest names', async () => {
    await withCluster((c) => c.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'checkout', replicas: 1 }));

    await ask('why checkuot -n shop');
    const answer = await waitFor(() => p.slack.ephemerals({ user: 'U0ALICE' }).filter((e) => e.text.includes('checkuot'))[0], 'the ephemeral not-found answer');

    expect(answer?.via).toBe('chat.postEphemeral');
    expect(allText(answer ?? {})).toContain('deployment/checkout');
  });

  it('answers an unknown namespace ephemerally', async () => {
    await withCluster((c) => c.sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 1 }));

    await ask('why web -n nosuch', 'C0OPS', 'U0BOB');
    const answer = await waitFor(() => p.slack.ephemerals({ user: 'U0BOB' }).filter((e) => e.text.includes('nosuch'))[0], 'the namespace answer');

    expect(answer?.text).toContain('Namespace nosuch does not exist');
  });

  it('answers through the response_url where the bot is not in the channel', async () => {
    await withCluster((c) => c.sim.breakWorkload('oom.container-limit', { namespace: 'shop', name: 'api', replicas: 1 }));

    await ask('why deploy/api -n shop', 'C0GENERAL');
    const response = await waitFor(() => p.slack.responses({ channel: 'C0GENERAL' })[0], 'the response_url answer');

    expect(p.slack.calls('chat.postMessage').some((call) => call.args['channel'] === 'C0GENERAL' && call.response['error'] === 'not_in_channel')).toBe(true);
    expect(response).toMatchObject({ status: 200, effect: 'in_channel' });
    expect(JSON.stringify(response?.body)).toContain('oom');
  });

  it('acks within 3 s while the API server is slow, and still answers', async () => {
    const c = await withCluster((sim) => sim.sim.breakWorkload('image-pull.not-found', { namespace: 'shop', name: 'slow', replicas: 1 }));
    c.server.faults.setLatency(4_000);
    const before = Date.now();

    const delivery = await ask('why deploy/slow -n shop');
    const ackMs = Date.now() - before;
    c.server.faults.setLatency(0);
    const answer = await waitFor(() => answersIn('C0OPS', before)[0], 'the answer after the slow read', 15_000);

    expect(delivery.status).toBe(200);
    expect(ackMs).toBeLessThan(3_000);
    expect(answer?.metadata).toMatchObject({ event_payload: { cause: 'image-pull.not-found' } });
  });

  it('answers /pod logs with the redacted tail in a code block', async () => {
    await withCluster((c) => c.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'crash', replicas: 1 }));
    const pod = cluster?.store.list('pods').items.find((item) => item.metadata.namespace === 'shop');
    const before = Date.now();

    await ask(`logs ${pod?.metadata.name ?? ''} -n shop`);
    const answer = await waitFor(() => answersIn('C0OPS', before)[0], 'the log answer');

    expect(answer?.text).toContain(`Log of shop/${pod?.metadata.name ?? ''}`);
    expect(JSON.stringify(answer?.blocks)).toContain('```');
  });

  it('asks back, listing the namespaces, when a name without -n is in several', async () => {
    await withCluster((c) => {
      c.sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 1 });
      c.sim.deployHealthy({ namespace: 'staging', name: 'web', replicas: 1 });
    });

    await ask('why web', 'C0OPS', 'U0BOB');
    const answer = await waitFor(() => p.slack.ephemerals({ user: 'U0BOB' }).filter((e) => e.text.includes('2 namespaces'))[0], 'the ambiguity answer');

    expect(answer.text).toContain('shop/web');
    expect(answer.text).toContain('staging/web');
  });

  it('answers "Show logs" on a diagnosis with that Pod\'s log tail in the thread, and refuses a forged button value ephemerally', async () => {
    await withCluster((c) => c.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'logs', replicas: 1 }));
    const before = Date.now();
    await ask('why deploy/logs -n shop');
    const diagnosis = await waitFor(() => answersIn('C0OPS', before)[0], 'the diagnosis');
    expect(JSON.stringify(diagnosis.blocks)).toContain('podwhy.show-logs');

    const click = await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0BOB', channelId: 'C0OPS', messageTs: diagnosis.ts, actionId: 'podwhy.show-logs' });
    const logs = await waitFor(() => p.slack.thread('C0OPS', diagnosis.ts)[0], 'the log tail in the thread');
    const forged = await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0BOB', channelId: 'C0OPS', messageTs: diagnosis.ts, actionId: 'podwhy.show-logs', value: '{"v":1,"cluster":"prod","uid":"<!channel>"}' });
    const refusal = await waitFor(() => p.slack.ephemerals({ user: 'U0BOB' }).find((e) => e.text.includes('not one podwhy can read')), 'the refusal');

    expect(click.status).toBe(200);
    expect(logs.text).toContain('Log of shop/');
    expect(JSON.stringify(logs.blocks)).toContain('```');
    expect(forged.status).toBe(200);
    expect(refusal.via).toBe('response_url');
    expect(p.slack.thread('C0OPS', diagnosis.ts)).toHaveLength(1);
  });
});
