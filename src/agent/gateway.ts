/**
 * Composition root of `podwhy gateway`, the scaled-out Slack gateway (docs/architecture.md, "Processes"). It holds
 * the Slack tokens and Redis, never a cluster's credentials: it refuses to start when given a kubeconfig, and
 * nothing here loads one. It
 * - takes `/pod` and button requests (src/slack/gateway.ts) and puts command jobs on each served cluster's BullMQ
 *   diagnosis queue (producer only: the agents of those clusters run the workers);
 * - consumes the BullMQ notify queue (podwhy-notify) with deliverNotification over the Redis incident store, so
 *   incident messages, digests and command answers reach Slack from here only;
 * - reads open incidents from Redis for `/pod list`.
 * Shutdown: Bolt receiver → notify consumer → diagnosis queues → Slack notifier → Redis.
 */
import { Redis } from 'ioredis';
import { slackSettingsOf, type Config } from '../config.ts';
import type { Incident, NotifyCommand, PostedMessage } from '../contract/incident.ts';
import { PodwhyError } from '../errors.ts';
import { markPosted } from '../incidents/posted.ts';
import { RedisIncidentStore } from '../incidents/redis-store.ts';
import type { IncidentStore } from '../incidents/store.ts';
import type { Logger } from '../log.ts';
import { deliverNotification, trackedMessageOf } from '../notify/deliver.ts';
import { createBullmqDiagnosisQueue, type BullmqDiagnosisQueue } from '../queue/bullmq.ts';
import { createBullmqNotifyQueue } from '../queue/notify-bullmq.ts';
import { createSlackGateway, type SlackGateway } from '../slack/gateway.ts';
import { RedisActionClaims } from '../slack/action-claims.ts';
import { parseActionPolicy } from '../slack/action-policy.ts';

export interface GatewayProcessOptions {
  config: Config;
  log: Logger;
  /** HTTP mode: the interface to listen on (default all). */
  host?: string;
  /** Test knobs for the BullMQ consumer. */
  drainDelaySeconds?: number;
}

export interface RunningGatewayProcess {
  clusters: readonly string[];
  gateway: SlackGateway;
  /** HTTP mode: the port of /slack/events. */
  port: number | undefined;
  stop(): Promise<void>;
}

/** The clusters a gateway serves: GATEWAY_CLUSTERS, else CLUSTER_NAME. The first answers `/pod` without --cluster. */
export function gatewayClustersOf(config: Config): string[] {
  return config.GATEWAY_CLUSTERS.length > 0 ? [...new Set(config.GATEWAY_CLUSTERS)] : [config.CLUSTER_NAME];
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<RunningGatewayProcess> {
  const { config } = options;
  const log = options.log.child({ component: 'gateway' });
  const settings = slackSettingsOf(config);
  const problems: string[] = [];
  if (!settings) problems.push('SLACK_BOT_TOKEN is not set: the gateway is the process that talks to Slack');
  if (!config.REDIS_URL) problems.push('REDIS_URL is not set: the gateway reaches the agents only through Redis (without it, run `podwhy agent` with the Slack settings)');
  if (config.KUBECONFIG || config.KUBE_CONTEXT) problems.push('KUBECONFIG/KUBE_CONTEXT is set: the gateway must hold no cluster credentials (a leaked gateway must not read a cluster); unset it');
  if (!config.ACTION_SIGNING_KEY) problems.push('ACTION_SIGNING_KEY is not set: every gateway replica must sign and verify button values with the same key');
  if (!settings || !config.REDIS_URL || problems.length > 0) throw new PodwhyError('config-invalid', `podwhy gateway: ${problems.join('; ')}`);
  const clusters = gatewayClustersOf(config);
  const redisUrl = config.REDIS_URL;

  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
  redis.on('error', (error) => log.warn({ err: error }, 'Incident store connection error'));
  const store = new RedisIncidentStore({ redis, prefix: config.REDIS_PREFIX });
  const queues = new Map<string, BullmqDiagnosisQueue>();
  const closeAll = async (): Promise<void> => {
    for (const queue of queues.values()) await queue.close();
    await redis.quit().catch(() => redis.disconnect());
  };
  let gateway: SlackGateway | undefined;
  try {
    for (const cluster of clusters) queues.set(cluster, await createBullmqDiagnosisQueue({ cluster, redis: redisUrl, prefix: config.REDIS_PREFIX, log }));
    gateway = await createSlackGateway({
      settings,
      log,
      clusters,
      actionSigningKey: config.ACTION_SIGNING_KEY,
      // Every replica shares the claims (Redis SET NX PX): a click acts once whichever replica gets it.
      actions: {
        enabled: config.ACTIONS_ENABLED,
        policy: parseActionPolicy(config.ACTION_POLICY),
        maxAgeSeconds: config.ACTION_MAX_AGE_SECONDS, authorization: config.ACTION_AUTHORIZATION,
        claims: new RedisActionClaims({ redis, prefix: config.REDIS_PREFIX }),
        enqueue: async (job) => {
          const queue = queues.get(job.cluster);
          if (!queue) throw new PodwhyError('bad-input', `no diagnosis queue for cluster ${job.cluster}`);
          return queue.enqueue(job);
        },
      },
      ...(options.host !== undefined && { host: options.host }),
      enqueueCommand: async (job) => {
        const queue = queues.get(job.cluster);
        if (!queue) throw new PodwhyError('bad-input', `no diagnosis queue for cluster ${job.cluster}`);
        return queue.enqueue(job);
      },
      openIncidents: (cluster) => openIncidentsOf(store, cluster),
      // Recorded as soon as the parent is posted, before its thread reply: a crash in between cannot re-post it.
      onParentPosted: (command, posted) => recordPosted(store, command, posted),
    });
  } catch (error) {
    await gateway?.close();
    await closeAll();
    throw error;
  }
  const slackGateway = gateway;
  const notify = await createBullmqNotifyQueue({ redis: redisUrl, prefix: config.REDIS_PREFIX, ...(options.drainDelaySeconds !== undefined && { drainDelaySeconds: options.drainDelaySeconds }) });
  // Concurrency 1: one message's edits stay in order (docs/architecture.md, "The notify seam").
  await notify.startDelivery(async (command) => void (await deliverNotification(command, { notifier: slackGateway.notifier, store })), { concurrency: 1 });
  const { port } = await slackGateway.start();
  log.info({ clusters, mode: settings.mode, port }, 'podwhy gateway started');

  let stopping: Promise<void> | undefined;
  return {
    clusters,
    gateway: slackGateway,
    port,
    stop() {
      stopping ??= (async () => {
        await slackGateway.stopReceiving();
        await notify.close();
        await slackGateway.close();
        await closeAll();
      })();
      return stopping;
    },
  };
}

/** Open incidents of one cluster, read from the store (the gateway has no incident manager). */
export async function openIncidentsOf(store: IncidentStore, cluster: string): Promise<Incident[]> {
  const incidents: Incident[] = [];
  for (const id of await store.openIds(cluster)) {
    const doc = (await store.get(cluster, id))?.doc;
    if (doc?.type === 'incident' && doc.status === 'open') incidents.push(doc);
  }
  return incidents.sort((a, b) => a.id.localeCompare(b.id));
}

async function recordPosted(store: IncidentStore, command: NotifyCommand, posted: PostedMessage): Promise<void> {
  const tracked = trackedMessageOf(command);
  if (tracked) await markPosted(store, tracked.id, posted);
}
