import { afterEach, describe, expect, it } from 'vitest';
import { missingWatchedNamespaces } from '../../src/cluster/watched-namespaces.ts';
import { settle, startSimCluster, startTestAgent, uniquePrefix, type SimCluster, type TestAgent } from './support.ts';

// A WATCH_NAMESPACES entry that names no Namespace watches nothing, and Kubernetes does not refuse it (an empty
// namespace and a missing one list alike): the agent says so once per entry after its cache has synced.

const PREFIX = uniquePrefix('watch-namespaces');
let cluster: SimCluster | undefined;
let running: TestAgent | undefined;
afterEach(async () => {
  await running?.stop();
  await cluster?.close();
  running = undefined;
  cluster = undefined;
});

const warnings = (agent: TestAgent) =>
  agent.logs.map((line) => JSON.parse(line) as { level: number; msg: string; namespace?: string; closest?: string[] }).filter((l) => l.msg.startsWith('WATCH_NAMESPACES names namespace'));

describe('WATCH_NAMESPACES naming a namespace that does not exist', () => {
  it('warns once per such entry, with the existing names close to it, and not for the ones that exist', async () => {
    cluster = await startSimCluster({ seed: 41 });
    for (const namespace of ['shop', 'payments', 'ledger']) cluster.store.ensureNamespace(namespace);
    running = await startTestAgent(cluster, { queue: 'in-process', redisPrefix: PREFIX, cluster: 'prod', env: { WATCH_NAMESPACES: 'shop,shpo,paymnts,ledger,zzzzzzzz' } });
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    for (let i = 0; i < 3; i++) {
      cluster.sim.advance(15);
      await settle(cluster, running.agent);
    }

    expect(warnings(running).map((w) => ({ namespace: w.namespace, closest: w.closest }))).toEqual([
      { namespace: 'shpo', closest: ['shop'] },
      { namespace: 'paymnts', closest: ['payments'] },
      { namespace: 'zzzzzzzz', closest: [] },
    ]);
    expect(warnings(running)[0]?.msg).toBe('WATCH_NAMESPACES names namespace "shpo", which does not exist on this cluster (close: shop): nothing in it alerts until it is created; check the spelling');
    expect(warnings(running)[2]?.msg).toBe('WATCH_NAMESPACES names namespace "zzzzzzzz", which does not exist on this cluster: nothing in it alerts until it is created; check the spelling');
    // The agent runs on: the namespace that exists alerts.
    expect((await running.agent.incidents.listOpen('prod')).map((i) => i.subject.name)).toContain('api');
  });

  it('says nothing when every entry exists, or when the watch is cluster-wide', async () => {
    cluster = await startSimCluster({ seed: 42 });
    cluster.store.ensureNamespace('shop');
    running = await startTestAgent(cluster, { queue: 'in-process', redisPrefix: PREFIX, cluster: 'prod', env: { WATCH_NAMESPACES: 'shop' } });
    await settle(cluster, running.agent);
    const named = warnings(running);
    await running.stop();
    running = await startTestAgent(cluster, { queue: 'in-process', redisPrefix: PREFIX, cluster: 'prod' });
    await settle(cluster, running.agent);

    expect(named).toEqual([]);
    expect(warnings(running)).toEqual([]);
  });

  it('says nothing when the Namespaces could not be read (nothing is known then)', () => {
    expect(missingWatchedNamespaces(['shpo'], null)).toEqual([]);
    expect(missingWatchedNamespaces(['shpo', 'shpo'], ['shop']).map((m) => m.namespace)).toEqual(['shpo']);
  });
});
