import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGatewayProcess, type RunningGatewayProcess } from '../../src/agent/gateway.ts';
import { createBullmqNotifyQueue } from '../../src/queue/notify-bullmq.ts';
import { startSlackEmulator } from '../../src/slack-emulator/server.ts';
import { sendBlockAction, sendSlashCommand } from '../../src/slack-emulator/signer.ts';
import { deleteRedisKeys, REDIS_URL, settle, startSimCluster, startTestAgent, uniquePrefix, waitFor } from '../agent/support.ts';
import { capturedLog, SIGNING_SECRET } from './support.ts';

// Scaled out, one-click fix and "Mark resolved": two gateway replicas (one signing key, claims in Redis) in front of
// one agent (BullMQ act / incident-action job; the outcome back through the BullMQ notify queue). A click on each
// replica at once acts once.

const PREFIX = uniquePrefix('scaled-out-actions');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

describe('one-click fixes with podwhy gateway × 2 + podwhy agent on Redis', () => {
  it('removes a stuck finalizer once when both replicas get a click, and posts the audit line', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    cleanup.push(() => slack.close());
    const cluster = await startSimCluster({ seed: 7 });
    cleanup.push(() => cluster.close());
    const gateways: RunningGatewayProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const gateway = await startGatewayProcess({
        config: loadConfig({
          SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: '0',
          REDIS_URL, REDIS_PREFIX: PREFIX, GATEWAY_CLUSTERS: 'west', ACTIONS_ENABLED: 'true', ACTION_SIGNING_KEY: 'scaled-out-actions-signing-key-0123456789',
          ACTION_POLICY: JSON.stringify([{ users: ['U0ALICE', 'U0BOB'], clusters: ['west'], namespaces: ['shop'], actions: ['remove-finalizer'] }]),
        }),
        log: capturedLog('warn').log,
        host: '127.0.0.1',
        drainDelaySeconds: 1,
      });
      cleanup.push(() => gateway.stop());
      gateways.push(gateway);
    }
    const producer = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix: PREFIX });
    cleanup.push(() => producer.close());
    cluster.sim.breakWorkload('terminating.finalizer', { namespace: 'shop', name: 'edge', replicas: 1 });
    const { agent } = await startTestAgent(cluster, { queue: 'bullmq', redisPrefix: PREFIX, cluster: 'west', notifyQueue: producer, env: { ACTIONS_ENABLED: 'true' } });
    cleanup.push(() => agent.stop());
    const pod = cluster.store.list('pods', { namespace: 'shop' }).items.find((o) => o.metadata.deletionTimestamp !== undefined);
    const name = pod?.metadata.name ?? '';
    const urls = gateways.map((g) => `http://127.0.0.1:${g.port ?? 0}/slack/events`);

    const asked = Date.now();
    await sendSlashCommand(urls[0] ?? '', { signingSecret: SIGNING_SECRET, slack, command: '/pod', text: `why ${name} -n shop`, userId: 'U0ALICE', channelId: 'C0OPS' });
    const answer = await waitFor(() => slack.messages('C0OPS').find((m) => m.postedAt >= asked && JSON.stringify(m.blocks).includes('podwhy.remove-finalizer')), 'the answer with the button', 20_000);
    await Promise.all(
      urls.map((url, i) => sendBlockAction(url, { signingSecret: SIGNING_SECRET, slack, userId: i === 0 ? 'U0ALICE' : 'U0BOB', channelId: 'C0OPS', messageTs: answer.ts, actionId: 'podwhy.remove-finalizer' })),
    );
    const audit = await waitFor(() => slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('removed the finalizers')), 'the audit line', 20_000);
    const told = await waitFor(() => slack.ephemerals().find((e) => e.text.includes('Already done by')), 'the second clicker told');
    await waitFor(() => cluster.store.get('pods', 'shop', name) === undefined, 'the Pod gone');

    expect(audit.text).toMatch(new RegExp(`U0(ALICE|BOB) removed the finalizers of pod shop/${name} \\(uid ${pod?.metadata.uid ?? ''}\\): done`));
    expect(told.text).toMatch(/Already done by <@U0(ALICE|BOB)>/);
    expect(cluster.server.requests.filter((r) => r.resource === 'pods' && (r.verb === 'patch' || r.verb === 'delete'))).toHaveLength(1);
  });
});

describe('incident buttons with podwhy gateway × 2 + podwhy agent on Redis', () => {
  it('marks an incident resolved once when both replicas get a click: one thread line, the parent edited through the notify queue', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    cleanup.push(() => slack.close());
    const cluster = await startSimCluster({ seed: 8 });
    cleanup.push(() => cluster.close());
    const prefix = `${PREFIX}-incident`;
    const gateways: RunningGatewayProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const gateway = await startGatewayProcess({
        config: loadConfig({
          SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: '0',
          REDIS_URL, REDIS_PREFIX: prefix, GATEWAY_CLUSTERS: 'east', ACTIONS_ENABLED: 'true', ACTION_SIGNING_KEY: 'scaled-out-actions-signing-key-0123456789',
          ACTION_POLICY: JSON.stringify([{ users: ['U0ALICE', 'U0BOB'], clusters: ['east'], namespaces: ['shop'], actions: ['mark-resolved'] }]),
        }),
        log: capturedLog('warn').log,
        host: '127.0.0.1',
        drainDelaySeconds: 1,
      });
      cleanup.push(() => gateway.stop());
      gateways.push(gateway);
    }
    const producer = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix });
    cleanup.push(() => producer.close());
    const { agent } = await startTestAgent(cluster, { queue: 'bullmq', redisPrefix: prefix, cluster: 'east', notifyQueue: producer, env: { CHANNEL_ROUTES: 'shop=C0OPS' } });
    cleanup.push(() => agent.stop());
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    for (let i = 0; i < 20 && !(await agent.incidents.listOpen('east')).some((x) => x.posted); i++) {
      cluster.sim.advance(15);
      await settle(cluster, agent);
    }
    const parent = await waitFor(() => slack.messages('C0OPS').find((m) => m.threadTs === undefined), 'the incident parent', 20_000);
    const diagnosis = await waitFor(() => slack.thread('C0OPS', parent.ts).find((m) => JSON.stringify(m.blocks).includes('podwhy.mark-resolved')), 'the diagnosis with its buttons', 20_000);
    const urls = gateways.map((g) => `http://127.0.0.1:${g.port ?? 0}/slack/events`);

    await Promise.all(
      urls.map((url, i) => sendBlockAction(url, { signingSecret: SIGNING_SECRET, slack, userId: i === 0 ? 'U0ALICE' : 'U0BOB', channelId: 'C0OPS', messageTs: diagnosis.ts, actionId: 'podwhy.mark-resolved' })),
    );
    const line = await waitFor(() => slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('marked resolved by')), 'the thread line', 20_000);
    await waitFor(() => JSON.stringify(slack.message('C0OPS', parent.ts)?.blocks ?? []).includes('Marked resolved by'), 'the parent edited', 20_000);
    await waitFor(() => slack.ephemerals().find((e) => e.text.includes('Already done by')), 'the second clicker told');

    expect(line.text).toMatch(/^Deployment\/api marked resolved by U0(ALICE|BOB)\./);
    expect(slack.thread('C0OPS', parent.ts).filter((m) => m.text.includes('marked resolved by'))).toHaveLength(1);
    expect((await agent.incidents.get('east', 'east/shop/Deployment/api/container-exit.immediate'))?.status).toBe('resolved');
  });
});
