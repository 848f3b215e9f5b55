import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import { createBullmqNotifyQueue } from '../../src/queue/notify-bullmq.ts';
import { CapturingNotifier, deleteRedisKeys, REDIS_URL, settle, startSimCluster, startTestAgent, uniquePrefix, waitFor } from './support.ts';

const PREFIX = uniquePrefix('notify-gateway');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

describe('the agent handing its notifications to another process (BullMQ notify queue)', () => {
  it('lets a delivering process that holds only Redis post the open, and the agent\'s resolve then edits that message', async () => {
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    // The gateway's side: its own Redis connection and incident store, its own queue object, a notifier.
    const gatewayRedis = new Redis(REDIS_URL);
    cleanup.push(() => gatewayRedis.quit());
    const gatewayStore = new RedisIncidentStore({ redis: gatewayRedis, prefix: PREFIX });
    const posts = new CapturingNotifier({ now: cluster.clock.nowMs });
    const gateway = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix: PREFIX, drainDelaySeconds: 1 });
    cleanup.push(() => gateway.close());
    await gateway.startDelivery(async (command) => void (await deliverNotification(command, { notifier: posts, store: gatewayStore })));
    // The agent's side: it only produces onto the notify queue.
    const producer = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix: PREFIX });
    cleanup.push(() => producer.close());
    const { agent, notifier: unused } = await startTestAgent(cluster, { queue: 'bullmq', redisPrefix: PREFIX, cluster: 'gw-1', notifyQueue: producer });
    cleanup.push(() => agent.stop());
    const incidentId = 'gw-1/shop/Deployment/api/container-exit.immediate';

    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 2 });
    await settle(cluster, agent);
    const posted = await waitFor(async () => (await agent.incidents.get('gw-1', incidentId))?.posted, 'the gateway to mark the open posted');
    cluster.sim.recover('shop', 'api');
    await settle(cluster, agent);
    cluster.clock.advance(6); // RESOLVE_AFTER_SECONDS is 5 in tests
    await settle(cluster, agent);
    await waitFor(() => posts.of('resolve').length === 1, 'the gateway to deliver the resolve');

    expect(posts.opens.map((o) => o.incident.id)).toEqual([incidentId]);
    expect(posts.postedMessages()).toEqual([posted]);
    expect(posts.of('resolve')[0]).toMatchObject({ target: posted, pods: { failing: 0, gone: 2 } });
    expect(unused.delivered).toEqual([]);
  });
});
