import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seriesValue } from '../../src/metrics.ts';
import {
  cacheCaughtUp, deleteRedisKeys, failingPods, openIncidents, RedisOutageProxy, settle, sleep, startSimCluster, startTestAgent, uniquePrefix, waitFor,
} from './support.ts';

const PREFIX = uniquePrefix('redis-outage');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

/** PLATFORM.md §6 test 5 has Redis away for 60 s and issue 4 for 30 s; the code path is the same for 3 s. */
const OUTAGE_MS = 3_000;

describe('Redis down (BullMQ queue, Redis incident store)', () => {
  it('loses no failure: what failed during the outage is posted once Redis is back, each exactly once', async () => {
    const proxy = new RedisOutageProxy();
    await proxy.up();
    cleanup.push(() => proxy.down());
    const cluster = await startSimCluster({ nodes: 4 });
    cleanup.push(() => cluster.close());
    const { agent, notifier } = await startTestAgent(cluster, { queue: 'bullmq', redisPrefix: PREFIX, cluster: 'outage-b1', redisUrl: proxy.url });
    cleanup.push(() => agent.stop());
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'before', replicas: 2 });
    await settle(cluster, agent);
    const opensBefore = notifier.opens.length;

    await proxy.down();
    const t0 = Date.now();
    const planted = ['cart', 'search', 'payments'];
    for (const name of planted) cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name, replicas: 2 });
    await waitFor(() => cacheCaughtUp(cluster.store, agent.cache), 'the cache to see the failures', 10_000);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - t0)));
    const buffered = await seriesValue(agent.metrics.jobs, { cluster: agent.cluster, outcome: 'buffered' });
    const opensDuringOutage = notifier.opens.length - opensBefore;
    await proxy.up();
    await waitFor(() => notifier.opens.length >= opensBefore + planted.length, 'an open for every failure planted during the outage', 20_000);
    await settle(cluster, agent);
    const incidents = await openIncidents(agent);

    expect(opensBefore).toBe(1);
    expect(opensDuringOutage).toBe(0);
    expect(buffered).toBeGreaterThanOrEqual(planted.length);
    expect(notifier.opens.map((o) => o.incident.subject.name).sort()).toEqual(['before', ...planted].sort());
    expect(new Set(notifier.opens.map((o) => o.incident.id)).size).toBe(notifier.opens.length);
    // Every failing Pod, not only one per workload, made it into its incident.
    expect(incidents.map((i) => [i.subject.name, failingPods(i)]).sort()).toEqual([['before', 2], ...planted.map((n) => [n, 2])].sort());
  });
});
