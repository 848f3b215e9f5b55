import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../src/sim/kit/cluster-simulator.ts';
import {
  deleteRedisKeys, failingPods, openIncidents, QUEUE_MODES, settle, startSimCluster, startTestAgent, uniquePrefix,
  type SimCluster, type TestAgent,
} from './support.ts';

const PREFIX = uniquePrefix('storm');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

describe.each(QUEUE_MODES)('failure storms through the real agent (%s queue)', (queue) => {
  let seq = 0;
  async function start(nodes: number | NodeSpec[]): Promise<{ cluster: SimCluster; agent: TestAgent }> {
    const cluster = await startSimCluster({ nodes });
    cleanup.push(() => cluster.close());
    seq += 1;
    const agent = await startTestAgent(cluster, { queue, redisPrefix: PREFIX, cluster: `storm-${queue === 'bullmq' ? 'b' : 'i'}${seq}` });
    cleanup.push(() => agent.stop());
    return { cluster, agent };
  }

  it('opens exactly one incident for 100 failing replicas of one Deployment, and its pod count reaches 100', async () => {
    const { cluster, agent } = await start(4);

    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'checkout', replicas: 100 });
    await settle(cluster, agent.agent);
    cluster.clock.advance(11); // past the 10 s coalescing interval: the held-back update goes out
    await settle(cluster, agent.agent);
    const incidents = await openIncidents(agent.agent);
    const [open] = agent.notifier.opens;
    const posted = agent.notifier.postedMessages();

    expect(agent.diagnoses).toHaveLength(100);
    expect(agent.notifier.opens).toHaveLength(1);
    expect(open?.incident.id).toBe(`${agent.agent.cluster}/shop/Deployment/checkout/container-exit.immediate`);
    expect(agent.notifier.delivered.map((d) => d.command.type).filter((type) => type !== 'update')).toEqual(['open']);
    expect(agent.notifier.updates.length).toBeGreaterThanOrEqual(1);
    expect(agent.notifier.updates.every((u) => u.target.ts === posted[0]?.ts)).toBe(true);
    expect(agent.notifier.updates.at(-1)?.pods).toEqual({ failing: 100, healthy: 0, gone: 0, total: 100 });
    expect(incidents).toHaveLength(1);
    expect(failingPods(incidents[0]!)).toBe(100);
  });

  it('opens one node incident, not 50 Pod alerts, when a node with 50 Pods is lost', async () => {
    const { cluster, agent } = await start([{ name: 'big-1', cpu: 32 }]);
    cluster.sim.deployHealthy({ namespace: 'shop', name: 'web', replicas: 50 }); // all 50 on big-1, the only node
    cluster.sim.addNode({ name: 'spare-1', cpu: 8 });
    cluster.sim.addNode({ name: 'spare-2', cpu: 8 });
    await settle(cluster, agent.agent);
    const onBig = cluster.store.list('pods').items.filter((p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName === 'big-1').length;

    cluster.sim.loseNode('big-1');
    // Six simulated minutes in 20 s steps: past the node window, the engine's 60 s NotReady threshold and the
    // 300 s taint eviction (the Pods then stay Terminating on the lost node while replacements start elsewhere).
    for (let i = 0; i < 18; i++) {
      cluster.sim.advance(20);
      await settle(cluster, agent.agent);
    }
    const incidents = await openIncidents(agent.agent);
    const replaced = cluster.store.list('pods').items.filter((p) => !p.metadata.deletionTimestamp).length;

    expect(onBig).toBe(50);
    expect(agent.notifier.opens).toHaveLength(1);
    expect(agent.notifier.opens[0]?.incident).toMatchObject({ id: `${agent.agent.cluster}/_node/big-1/node-lost`, scope: 'node', subject: { kind: 'Node', name: 'big-1' } });
    expect(incidents).toHaveLength(1);
    expect(failingPods(incidents[0]!)).toBe(50);
    expect(new Set(agent.diagnoses.map((d) => d.cause))).toEqual(new Set(['unknown.node-lost']));
    expect(replaced).toBe(50); // the taint manager evicted them after 300 s; the replacements run on the spares, silently
  });
});
