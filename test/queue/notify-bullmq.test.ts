import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { IncidentRecorder } from '../../src/incidents/recorder.ts';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import { createLogger } from '../../src/log.ts';
import { deliverNotification, type DeliveryOutcome } from '../../src/notify/deliver.ts';
import { createBullmqNotifyQueue, type BullmqNotifyQueue } from '../../src/queue/notify-bullmq.ts';
import { NOTIFY_QUEUE_NAME } from '../../src/queue/notify-queue.ts';
import { CapturingNotifier, deleteRedisKeys, REDIS_HOST, REDIS_PORT, REDIS_URL, uniquePrefix, waitFor } from '../agent/support.ts';
import { FIXTURE_NOW } from '../support/fixtures.ts';
import { diagnosisOf, replicaSnapshot } from '../support/notify-commands.ts';

// The notify seam across processes, on the real Redis at 127.0.0.1:6379. "Agent" and "gateway" are separate
// objects in this test process that share nothing but Redis: each has its own connections, its own incident
// store and its own BullMQ queue object. Every key lives under a prefix of this file's own (deleted after).
const prefixes: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisKeys(prefix);
});

const FAST = { attempts: 3, backoffMs: 100, maxBackoffMs: 1_000, jitter: 0 };
const silent = createLogger({ level: 'silent' });
const first = replicaSnapshot('r7t2n', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e01');
const second = replicaSnapshot('x8y9z', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e02');

function freshPrefix(): string {
  const prefix = uniquePrefix('notify-bullmq');
  prefixes.push(prefix);
  return prefix;
}

function redis(): Redis {
  const connection = new Redis(REDIS_URL);
  connection.on('error', () => undefined);
  cleanup.push(() => connection.quit());
  return connection;
}

async function notifyQueue(prefix: string): Promise<BullmqNotifyQueue> {
  const queue = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix, retry: FAST, drainDelaySeconds: 1 });
  cleanup.push(() => queue.close());
  return queue;
}

/** The agent side: incident store, manager and recorder, producing onto the notify queue. */
async function agentSide(prefix: string, cluster: string) {
  const clock = { now: Date.parse(FIXTURE_NOW) };
  const store = new RedisIncidentStore({ redis: redis(), prefix });
  const manager = new IncidentManager({ store, now: () => clock.now });
  const recorder = new IncidentRecorder({ cluster, manager, channelFor: () => 'C0ALERTS', notify: await notifyQueue(prefix), log: silent });
  return { clock, manager, recorder };
}

describe('the BullMQ notify queue between an agent and a delivering process', () => {
  it('carries the open to the other side, which records where it landed, so the manager\'s next update edits that message', async () => {
    const prefix = freshPrefix();
    const cluster = 'seam-1';
    const agent = await agentSide(prefix, cluster);
    const notifier = new CapturingNotifier({ now: Date.now });
    const gatewayStore = new RedisIncidentStore({ redis: redis(), prefix });
    const gateway = await notifyQueue(prefix);
    await gateway.startDelivery(async (command) => void (await deliverNotification(command, { notifier, store: gatewayStore })));
    const incidentId = `${cluster}/shop/Deployment/worker/dependency.secret`;

    await agent.recorder.record(diagnosisOf(first), first);
    await waitFor(async () => (await agent.manager.get(cluster, incidentId))?.posted, 'the open to be marked posted');
    agent.clock.now += 1_000;
    await agent.recorder.record(diagnosisOf(second), second);
    agent.clock.now += 10_000;
    await agent.recorder.flushDue();
    await waitFor(() => notifier.delivered.length === 2, 'the update to be delivered');

    const [open, update] = notifier.delivered;
    expect(open?.command).toMatchObject({ type: 'open', incident: { id: incidentId }, pods: { failing: 1 } });
    expect(update?.command).toMatchObject({ type: 'update', pods: { failing: 2, total: 2 }, target: open?.posted });
    expect((await agent.manager.get(cluster, incidentId))?.posted).toEqual(open?.posted);
  });

  it.each([
    ['before it posted (Slack refused the call)', 'before'],
    ['after it posted and recorded it (the job\'s completion was lost)', 'after'],
  ] as const)('retries a delivery that failed once %s, and posts the open once', async (_what, when) => {
    const prefix = freshPrefix();
    const cluster = `seam-${when}`;
    const agent = await agentSide(prefix, cluster);
    const notifier = new CapturingNotifier({ now: Date.now });
    const gatewayStore = new RedisIncidentStore({ redis: redis(), prefix });
    const gateway = await notifyQueue(prefix);
    const outcomes: (DeliveryOutcome | 'failed')[] = [];
    await gateway.startDelivery(async (command, ctx) => {
      if (when === 'before' && ctx.attempt === 1) {
        outcomes.push('failed');
        throw new Error('chat.postMessage: service_unavailable');
      }
      outcomes.push(await deliverNotification(command, { notifier, store: gatewayStore }));
      if (when === 'after' && ctx.attempt === 1) throw new Error('connection lost before the job completed');
    });

    await agent.recorder.record(diagnosisOf(first), first);
    await waitFor(async () => (await gateway.counts()).completed === 1, 'the delivery to complete on its retry');

    expect(outcomes.map((o) => (o === 'failed' ? o : o.kind))).toEqual(when === 'before' ? ['failed', 'delivered'] : ['delivered', 'already-posted']);
    expect(notifier.delivered.map((d) => d.command.type)).toEqual(['open']);
    expect(await gateway.counts()).toMatchObject({ completed: 1, failed: 0, waiting: 0, delayed: 0, active: 0 });
  });

  it('fails job data that is not a notify command at once, without delivering or retrying it', async () => {
    const prefix = freshPrefix();
    const gateway = await notifyQueue(prefix);
    const delivered: NotifyCommand[] = [];
    await gateway.startDelivery(async (command) => void delivered.push(command));
    const raw = new Queue(NOTIFY_QUEUE_NAME, { connection: { host: REDIS_HOST, port: REDIS_PORT }, prefix });
    raw.on('error', () => undefined);
    cleanup.push(() => raw.close());

    const job = await raw.add('open', { type: 'open', incident: { id: 'x' } }, { attempts: 3 });
    await waitFor(async () => (await raw.getJob(job.id ?? ''))?.failedReason, 'the job to fail');
    const failed = await raw.getJob(job.id ?? '');

    expect(delivered).toEqual([]);
    expect(failed).toMatchObject({ attemptsMade: 1, failedReason: expect.stringContaining('Invalid notify job') });
  });
});
