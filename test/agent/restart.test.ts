import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  CapturingNotifier, deleteRedisKeys, openIncidents, settle, startSimCluster, startTestAgent, uniquePrefix,
  type QueueMode, type SimCluster, type TestAgent,
} from './support.ts';

const PREFIX = uniquePrefix('restart');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

/**
 * What "a restart" means per mode. BullMQ (scaled out): the agent process stops and a new one starts on the
 * same Redis, where the incidents and their message ts live. In-process: incidents live in the process, so
 * its restart is by design a fresh start (src/queue/in-process.ts); what it must survive is the API server
 * restarting under it (every watch cut; the informers come back and catch up on what they missed), and the
 * same promise holds: no second thread.
 */
interface Restartable {
  queue: QueueMode;
  what: string;
  /** Runs `whileDown` while the agent does not see the cluster, and returns the agent that sees it afterwards. */
  restart(cluster: SimCluster, agent: TestAgent, whileDown: () => void): Promise<TestAgent>;
}

let seq = 0;
const MODES: Restartable[] = [
  {
    queue: 'bullmq',
    what: 'agent process restart',
    async restart(cluster, agent, whileDown) {
      await agent.stop();
      whileDown();
      const next = await startTestAgent(cluster, {
        queue: 'bullmq',
        redisPrefix: PREFIX,
        cluster: agent.agent.cluster,
        notifier: new CapturingNotifier({ now: cluster.clock.nowMs, base: 1_900_000_000 }),
      });
      cleanup.push(() => next.stop());
      return next;
    },
  },
  {
    queue: 'in-process',
    what: 'API server restart',
    async restart(cluster, agent, whileDown) {
      await cluster.server.faults.goDown();
      whileDown();
      await cluster.server.faults.comeUp();
      return agent;
    },
  },
];

describe.each(MODES)('after an $what ($queue queue)', ({ queue, restart }) => {
  async function start(): Promise<{ cluster: SimCluster; agent: TestAgent }> {
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    seq += 1;
    const agent = await startTestAgent(cluster, {
      queue,
      redisPrefix: PREFIX,
      cluster: `restart-${queue === 'bullmq' ? 'b' : 'i'}${seq}`,
      // Informers come back within a second of the API server (the default back-off starts at 1 s and grows).
      deps: { informerTimings: { backoff: { initialMs: 50, maxMs: 300 } } },
    });
    cleanup.push(() => agent.stop()); // stop() is idempotent: a no-op for the agent a restart already stopped
    return { cluster, agent };
  }

  it('opens no second thread: the incident posted before is updated, and a Pod deleted meanwhile counts as gone', async () => {
    const { cluster, agent: before } = await start();
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 2 });
    await settle(cluster, before.agent);
    const posted = before.notifier.postedMessages();

    // While nothing watches, someone deletes a failing Pod; its ReplicaSet replaces it (failing the same way).
    const after = await restart(cluster, before, () => cluster.sim.forceDeletePod('shop', cluster.sim.ownedBy('shop', 'api').pods[0] ?? ''));
    const opensBefore = before.notifier.opens.length;
    const deliveredBefore = after === before ? before.notifier.delivered.length : 0;
    for (let i = 0; i < 3; i++) {
      // The replacement crashes within seconds; 30 s also passes the 10 s coalescing interval.
      cluster.sim.advance(10);
      await settle(cluster, after.agent);
    }
    const since = after.notifier.delivered.slice(deliveredBefore).map((d) => d.command);

    expect(opensBefore).toBe(1);
    expect(posted).toHaveLength(1);
    expect(since.filter((c) => c.type !== 'update')).toEqual([]);
    expect(since.length).toBeGreaterThanOrEqual(1);
    expect(since.at(-1)).toMatchObject({ type: 'update', target: posted[0], pods: { failing: 2, gone: 1, total: 3 } });
    expect(await openIncidents(after.agent)).toHaveLength(1);
  });

  it('resolves, in the same thread, an incident whose workload was fixed while nothing watched', async () => {
    const { cluster, agent: before } = await start();
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 2 });
    await settle(cluster, before.agent);
    const posted = before.notifier.postedMessages();

    const after = await restart(cluster, before, () => cluster.sim.recover('shop', 'api'));
    await settle(cluster, after.agent);
    cluster.clock.advance(6); // RESOLVE_AFTER_SECONDS is 5 in tests
    await settle(cluster, after.agent);
    const resolves = after.notifier.of('resolve');

    expect(posted).toHaveLength(1);
    expect(resolves).toHaveLength(1);
    expect(resolves[0]).toMatchObject({ target: posted[0], pods: { failing: 0, gone: 2 } });
    expect(after.notifier.opens.length).toBe(after === before ? 1 : 0);
    expect(await openIncidents(after.agent)).toEqual([]);
  });
});
