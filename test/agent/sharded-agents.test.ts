/**
 * One large cluster split between several agents (docs/architecture.md, "Sharding one large cluster"): every agent has
 * the same CLUSTER_NAME and REDIS_URL and its own WATCH_NAMESPACES, and hands its notify commands to the one notify
 * queue, which one delivering process (the gateway's side: Redis and a notifier, nothing else) consumes. Real
 * client-node informers against the simulated API server, real BullMQ and incident store on the real Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClusterCache } from '../../src/cluster/cache.ts';
import type { Incident } from '../../src/contract/incident.ts';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import { createBullmqDiagnosisQueue } from '../../src/queue/bullmq.ts';
import { createBullmqNotifyQueue, type BullmqNotifyQueue } from '../../src/queue/notify-bullmq.ts';
import type { ObjectStore } from '../../src/sim/store.ts';
import {
  CapturingNotifier, deleteRedisKeys, REDIS_URL, sleep, startSimCluster, startTestAgent, uniquePrefix, waitFor,
  type SimCluster, type TestAgent,
} from './support.ts';

const PREFIX = uniquePrefix('sharded');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

interface Shard {
  namespaces: string[];
  agent: TestAgent;
}

/** A sharded deployment of one cluster: its agents, the delivering side, and what was posted. */
interface Deployment {
  cluster: SimCluster;
  name: string;
  shards: Shard[];
  posts: CapturingNotifier;
  delivery: BullmqNotifyQueue;
  startShard(namespaces: string[]): Promise<Shard>;
  /** Every shard caught up with the cluster, its due candidates handed on and diagnosed, and what that said delivered. */
  settle(): Promise<void>;
  openIncidents(): Promise<Incident[]>;
}

async function deploy(name: string, nodes: number, prepare: (cluster: SimCluster) => void): Promise<Deployment> {
  const cluster = await startSimCluster({ nodes });
  cleanup.push(() => cluster.close());
  prepare(cluster);
  // The delivering process: the one consumer of the notify queue (as `podwhy gateway` is).
  const redis = new Redis(REDIS_URL);
  cleanup.push(() => redis.quit());
  const store = new RedisIncidentStore({ redis, prefix: PREFIX });
  const posts = new CapturingNotifier({ now: cluster.clock.nowMs });
  const delivery = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix: PREFIX, drainDelaySeconds: 1 });
  cleanup.push(() => delivery.close());
  await delivery.startDelivery(async (command) => void (await deliverNotification(command, { notifier: posts, store })));

  const shards: Shard[] = [];
  const deployment: Deployment = {
    cluster,
    name,
    shards,
    posts,
    delivery,
    async startShard(namespaces) {
      // Each agent process has its own connection to the notify queue.
      const producer = await createBullmqNotifyQueue({ redis: REDIS_URL, prefix: PREFIX });
      const agent = await startTestAgent(cluster, {
        queue: 'bullmq',
        redisPrefix: PREFIX,
        cluster: name,
        notifyQueue: producer,
        env: { WATCH_NAMESPACES: namespaces.join(',') },
      });
      // stop() is idempotent: a no-op for a shard a test already stopped.
      cleanup.push(async () => {
        await agent.stop();
        await producer.close();
      });
      const shard = { namespaces, agent };
      shards.push(shard);
      return shard;
    },
    async settle() {
      const running = shards.filter((s) => !stopped.has(s));
      for (const shard of running) {
        await waitFor(() => shardCaughtUp(cluster.store, shard.agent.agent.cache, shard.namespaces), `the shard of ${shard.namespaces.join(',')} to catch up`, 15_000, 2);
      }
      for (const shard of running) await shard.agent.agent.tick();
      let idleInARow = 0;
      await waitFor(
        async () => {
          const counts = await Promise.all([...running.map((s) => s.agent.agent.queue.counts()), delivery.counts()]);
          idleInARow = counts.every((c) => c.waiting + c.active + c.delayed === 0) ? idleInARow + 1 : 0;
          return idleInARow >= 3;
        },
        'the diagnosis and notify queues to drain',
        15_000,
        3,
      );
      for (const shard of running) await shard.agent.agent.tick();
      idleInARow = 0;
      await waitFor(
        async () => {
          const counts = await delivery.counts();
          idleInARow = counts.waiting + counts.active + counts.delayed === 0 ? idleInARow + 1 : 0;
          return idleInARow >= 3;
        },
        'the notify queue to drain',
        15_000,
        3,
      );
    },
    async openIncidents() {
      const any = shards[0] as Shard;
      return any.agent.agent.incidents.listOpen(name);
    },
  };
  return deployment;
}

const stopped = new Set<Shard>();

/** The shard's cache holds exactly the store's Pods of its namespaces, and every Node, at their resourceVersions. */
function shardCaughtUp(store: ObjectStore, cache: ClusterCache, namespaces: readonly string[]): boolean {
  const pods = store.list('pods').items.filter((pod) => namespaces.includes(pod.metadata.namespace ?? ''));
  if (cache.pods().length !== pods.length) return false;
  for (const pod of pods) {
    if (cache.pod(pod.metadata.uid ?? '')?.metadata.resourceVersion !== pod.metadata.resourceVersion) return false;
  }
  const nodes = store.list('nodes').items;
  if (cache.nodes().length !== nodes.length) return false;
  return nodes.every((node) => cache.node(node.metadata.name ?? '')?.metadata.resourceVersion === node.metadata.resourceVersion);
}

const BROKEN = 'container-exit.immediate';
const incidentIdOf = (cluster: string, namespace: string, name: string): string => `${cluster}/${namespace}/Deployment/${name}/${BROKEN}`;

describe('one cluster watched by several agents, each for its own namespaces, on one Redis', () => {
  it('opens one incident per failing workload, posted once and diagnosed by the shard that watches it, nothing where no shard watches, and a restarted shard re-posts nothing', async () => {
    const d = await deploy('shard-a', 2, (cluster) => {
      for (const namespace of ['shop', 'pay', 'search', 'unwatched']) cluster.sim.breakWorkload(BROKEN, { namespace, name: 'api', replicas: 2 });
    });
    const shop = await d.startShard(['shop']);
    const payAndSearch = await d.startShard(['pay', 'search']);
    await d.settle();

    const watched = ['shop', 'pay', 'search'];
    expect(d.posts.opens.map((o) => o.incident.id).sort()).toEqual(watched.map((ns) => incidentIdOf(d.name, ns, 'api')).sort());
    // Nothing but those opens (a replica recorded after its incident's open may add an update, never a second open).
    expect(d.posts.delivered.map((x) => x.command.type).filter((type) => type !== 'open' && type !== 'update')).toEqual([]);
    // Each shard diagnosed its own Pods and no other's (a watch job went to its shard's queue).
    expect(new Set(shop.agent.diagnoses.map((x) => x.subject.namespace))).toEqual(new Set(['shop']));
    expect(new Set(payAndSearch.agent.diagnoses.map((x) => x.subject.namespace))).toEqual(new Set(['pay', 'search']));
    expect(shop.agent.agent.queue.name).not.toBe(payAndSearch.agent.agent.queue.name);

    // The gateway's jobs go to the cluster's queue, which both shards consume: each reaches a shard that watches its
    // namespace (forwarded there if another took it), so no answer calls a Pod gone that another shard watches.
    const gatewayQueue = await createBullmqDiagnosisQueue({ cluster: d.name, redis: REDIS_URL, prefix: PREFIX });
    cleanup.push(() => gatewayQueue.close());
    const asked = d.cluster.store.list('pods').items.filter((p) => watched.includes(p.metadata.namespace ?? ''));
    for (const [i, pod] of [...asked, ...asked].entries()) {
      await gatewayQueue.enqueue({
        trigger: 'command', cluster: d.name, verb: 'why', namespace: pod.metadata.namespace ?? '',
        subject: { kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
        requestId: `ask-${i}`, replyTo: { channel: 'C0ASK' }, enqueuedAt: new Date(d.cluster.clock.nowMs()).toISOString(),
      });
    }
    await waitFor(() => d.posts.of('reply').length === asked.length * 2, 'every command to be answered');
    const answers = d.posts.of('reply').map((r) => r.answer);
    expect(answers.map((a) => (a.kind === 'diagnoses' ? a.diagnoses.map((x) => x.cause) : a))).toEqual(new Array(asked.length * 2).fill([BROKEN]));

    // A shard restarted with the same config: the incidents of every shard stay open, with their Pods failing, and
    // nothing is posted again — not by the restarted shard, and not as a resolve of another shard's Pods it does not see.
    await payAndSearch.agent.stop();
    stopped.add(payAndSearch);
    const before = d.posts.delivered.length;
    const answered = d.posts.of('reply').length;
    const restarted = await d.startShard(['search', 'pay']);
    await d.settle();
    d.cluster.sim.advance(6); // RESOLVE_AFTER_SECONDS is 5 in tests: a Pod wrongly taken for gone would resolve by now
    await d.settle();
    await sleep(300);
    await d.settle();

    expect(d.posts.delivered.slice(before).map((x) => x.command.type).filter((type) => type !== 'update')).toEqual([]);
    expect(d.posts.of('reply')).toHaveLength(answered);
    const open = await d.openIncidents();
    expect(open.map((i) => i.id).sort()).toEqual(watched.map((ns) => incidentIdOf(d.name, ns, 'api')).sort());
    for (const incident of open) expect(Object.values(incident.pods).map((p) => p.state)).toEqual(['failing', 'failing']);
    expect(restarted.agent.diagnoses.every((x) => ['pay', 'search'].includes(x.subject.namespace))).toBe(true);
  });

  it('makes a lost node holding Pods of every shard one node incident listing them all, resolved once', async () => {
    const d = await deploy('shard-b', 2, (cluster) => {
      for (const namespace of ['shop', 'pay', 'search', 'unwatched']) cluster.sim.deployHealthy({ namespace, name: 'web', replicas: 2 });
    });
    await d.startShard(['shop']);
    await d.startShard(['pay']);
    await d.startShard(['search']);
    await d.settle();
    expect(d.posts.delivered).toEqual([]);
    const node = d.cluster.store.list('nodes').items[0]?.metadata.name ?? '';
    const podsOnNode = (namespaces: string[]) =>
      d.cluster.store
        .list('pods')
        .items.filter((p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === node && namespaces.includes(p.metadata.namespace ?? ''))
        .map((p) => p.metadata.uid)
        .sort();
    const shardPods = podsOnNode(['shop', 'pay', 'search']);
    expect(shardPods).toHaveLength(3); // the simulator spreads each Deployment's 2 replicas over the 2 nodes

    d.cluster.sim.loseNode(node);
    // 40 s until the node controller marks it Ready=Unknown, then 60 s (docs/architecture.md, "How long a lost node takes to alert").
    for (let second = 10; second <= 110; second += 10) {
      d.cluster.sim.advance(10);
      await d.settle();
    }

    const nodeId = `${d.name}/_node/${node}/node-lost`;
    expect(d.posts.opens.map((o) => o.incident.id)).toEqual([nodeId]);
    const incident = await d.shards[0]?.agent.agent.incidents.get(d.name, nodeId);
    expect(Object.keys(incident?.pods ?? {}).sort()).toEqual(shardPods);
    expect(new Set(Object.values(incident?.pods ?? {}).map((p) => p.namespace))).toEqual(new Set(['shop', 'pay', 'search']));
    // The posted message counts the Pods of every shard (an update may have followed the open as the other shards recorded).
    const last = d.posts.delivered.filter((x) => x.command.type === 'open' || x.command.type === 'update').at(-1)?.command;
    expect(last && 'pods' in last ? last.pods : undefined).toMatchObject({ failing: 3, total: 3 });

    d.cluster.sim.restoreNode(node);
    await d.settle();
    d.cluster.sim.advance(6);
    await d.settle();
    await waitFor(() => d.posts.of('resolve').length > 0, 'the node incident to resolve');
    await sleep(300);
    await d.settle();

    expect(d.posts.of('resolve').map((r) => r.incident.id)).toEqual([nodeId]);
    expect(d.posts.opens).toHaveLength(1);
    expect(await d.openIncidents()).toEqual([]);
  });

  it('is harmless when two shards watch the same namespace: both diagnose it, one incident is posted once and resolves once', async () => {
    const d = await deploy('shard-c', 2, (cluster) => {
      cluster.sim.breakWorkload(BROKEN, { namespace: 'pay', name: 'api', replicas: 2 });
    });
    const first = await d.startShard(['shop', 'pay']);
    const second = await d.startShard(['pay', 'search']);
    await d.settle();

    expect(second.agent.logs.join('')).toContain('Another shard of this cluster watches some of the same namespaces');
    const id = incidentIdOf(d.name, 'pay', 'api');
    expect(d.posts.opens.map((o) => o.incident.id)).toEqual([id]);
    expect(first.agent.diagnoses.some((x) => x.subject.namespace === 'pay')).toBe(true);
    expect(second.agent.diagnoses.some((x) => x.subject.namespace === 'pay')).toBe(true);

    d.cluster.sim.recover('pay', 'api');
    await d.settle();
    d.cluster.sim.advance(6);
    await d.settle();
    await waitFor(() => d.posts.of('resolve').length > 0, 'the incident to resolve');
    await sleep(300);
    await d.settle();

    expect(d.posts.of('resolve').map((r) => r.incident.id)).toEqual([id]);
    expect(d.posts.opens).toHaveLength(1);
  });
});
