/**
 * How long a lost node takes to alert (docs/architecture.md, "How long a lost node takes to alert"): the node
 * incident opens `notReadyAfterSeconds` (60 s) after the node controller set Ready=Unknown, not before, whatever
 * STABILIZE_SECONDS says (10 s in tests).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { settle, startSimCluster, startTestAgent, uniquePrefix, type SimCluster, type TestAgent } from './support.ts';

const running: { cluster: SimCluster; agent: TestAgent }[] = [];

afterEach(async () => {
  for (const { agent, cluster } of running.splice(0)) {
    await agent.stop();
    await cluster.close();
  }
});

describe('a lost node', () => {
  it('opens its node incident 60 s after the node controller marks it Ready=Unknown, and stays silent before', async () => {
    const cluster = await startSimCluster({ nodes: 3 });
    cluster.sim.deployHealthy({ namespace: 'shop', name: 'api', replicas: 3 });
    const agent = await startTestAgent(cluster, { queue: 'in-process', redisPrefix: uniquePrefix('node-loss'), cluster: 'node-loss' });
    running.push({ cluster, agent });
    await settle(cluster, agent.agent);
    const node = cluster.store.list('nodes').items[0]?.metadata.name ?? '';
    const lostAtMs = cluster.clock.nowMs();

    cluster.sim.loseNode(node);
    const opensBySecond: number[] = [];
    for (let second = 5; second <= 70; second += 5) {
      cluster.sim.advance(5);
      await settle(cluster, agent.agent);
      opensBySecond.push(agent.notifier.opens.length);
    }
    const [open] = agent.notifier.opens;
    const openedAfterSeconds = ((agent.notifier.delivered.find((d) => d.command.type === 'open')?.atMs ?? 0) - lostAtMs) / 1000;

    expect(opensBySecond.slice(0, 11)).toEqual(new Array(11).fill(0)); // 5 … 55 s: silent
    expect(open?.incident).toMatchObject({ id: `node-loss/_node/${node}/node-lost`, cause: 'unknown.node-lost' });
    expect(openedAfterSeconds).toBeGreaterThanOrEqual(60);
    expect(openedAfterSeconds).toBeLessThan(65);
  });
});
