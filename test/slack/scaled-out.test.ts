import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGatewayProcess } from '../../src/agent/gateway.ts';
import { isPodwhyError } from '../../src/errors.ts';
import { createBullmqNotifyQueue } from '../../src/queue/notify-bullmq.ts';
import { startSlackEmulator } from '../../src/slack-emulator/server.ts';
import { sendSlashCommand } from '../../src/slack-emulator/signer.ts';
import { deleteRedisKeys, REDIS_URL, settle, startSimCluster, startTestAgent, uniquePrefix, waitFor } from '../agent/support.ts';
import { capturedLog, SIGNING_SECRET } from './support.ts';

// Scaled out: an agent holding only cluster credentials and a gateway holding only Slack tokens, sharing
// nothing but Redis (queues and incidents). In-process objects, separate connections.

const PREFIX = uniquePrefix('scaled-out');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

/** Every string and hash value under `prefix` (BullMQ jobs are hashes; incidents are strings), concatenated. */
async function redisText(prefix: string): Promise<string> {
  const redis = new Redis(REDIS_URL);
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'string') parts.push((await redis.get(key)) ?? '');
      }
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    await redis.quit();
  }
}

describe('podwhy gateway + podwhy agent on Redis', () => {
  it('answers /pod why through the agent\'s queue and posts the agent\'s alert, with no cluster or Slack secret crossing', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    cleanup.push(() => slack.close());
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    const gatewayLogs = capturedLog('warn');
    const gateway = await startGatewayProcess({
      config: loadConfig({
        SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: '0',
        REDIS_URL, REDIS_PREFIX: PREFIX, GATEWAY_CLUSTERS: 'east,west', ACTION_SIGNING_KEY: 'scaled-out-test-action-signing-key-0123456789',
      }),
      log: gatewayLogs.log,
      host: '127.0.0.1',
      drainDelaySeconds: 1,
    });
    cleanup.push(() => gateway.stop());
    const producer = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix: PREFIX });
    cleanup.push(() => producer.close());
    const { agent } = await startTestAgent(cluster, { queue: 'bullmq', redisPrefix: PREFIX, cluster: 'west', notifyQueue: producer, env: { CHANNEL_ROUTES: 'shop=C0OPS' } });
    cleanup.push(() => agent.stop());
    const eventsUrl = `http://127.0.0.1:${gateway.port ?? 0}/slack/events`;

    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    await settle(cluster, agent);
    const parent = await waitFor(() => slack.messages('C0OPS').find((m) => m.threadTs === undefined), 'the alert posted by the gateway');
    await waitFor(async () => (await agent.incidents.listOpen('west'))[0]?.posted?.ts === parent.ts, 'the agent to see where it landed');
    const asked = Date.now();
    const delivery = await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, slack, command: '/pod', text: 'why deploy/api -n shop --cluster west', userId: 'U0ALICE', channelId: 'C0ALERTS' });
    const answer = await waitFor(() => slack.messages('C0ALERTS').find((m) => m.postedAt >= asked), 'the answer from the west agent');
    const listAsked = Date.now();
    await sendSlashCommand(eventsUrl, { signingSecret: SIGNING_SECRET, slack, command: '/pod', text: 'list --cluster west', userId: 'U0BOB', channelId: 'C0ALERTS' });
    const list = await waitFor(() => slack.messages('C0ALERTS').find((m) => m.postedAt >= listAsked && m.ts !== answer.ts), 'the /pod list answer');

    expect(delivery.status).toBe(200);
    expect(parent.metadata).toMatchObject({ event_type: 'podwhy_incident', event_payload: { cluster: 'west', cause: 'container-exit.immediate' } });
    expect(answer.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { cluster: 'west', cause: 'container-exit.immediate' } });
    expect(list.text).toContain('1 open incidents');
    expect(JSON.stringify(list.blocks)).toContain(`archives/${parent.channel}/p${parent.ts.replace('.', '')}`);
    expect(gateway.clusters).toEqual(['east', 'west']);
    const shared = await redisText(PREFIX);
    expect(shared).toContain('why deploy/api -n shop --cluster west'); // the command job did travel through Redis
    for (const secret of [slack.botToken, SIGNING_SECRET, '/response/']) expect(shared).not.toContain(secret);
  });

  it('refuses to start with a kubeconfig, without Redis, or without Slack settings, saying why', async () => {
    const refusal = async (env: Record<string, string>) =>
      startGatewayProcess({ config: loadConfig(env), log: capturedLog().log }).then(
        async (running) => {
          await running.stop();
          return '';
        },
        (error: unknown) => (isPodwhyError(error, 'config-invalid') ? error.message : String(error)),
      );
    const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-1-a', SLACK_SIGNING_SECRET: 'secret-123' };

    expect(await refusal({ ...slackEnv, REDIS_URL, KUBECONFIG: '/home/me/.kube/config' })).toContain('must hold no cluster credentials');
    expect(await refusal(slackEnv)).toContain('REDIS_URL is not set');
    expect(await refusal({ REDIS_URL })).toContain('SLACK_BOT_TOKEN is not set');
    expect(await refusal({ ...slackEnv, REDIS_URL })).toContain('ACTION_SIGNING_KEY is not set');
  });
});
