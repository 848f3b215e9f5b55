/**
 * The cache keeps only the Events the engine can use (src/cluster/event-retention.ts): none last
 * seen before the window, at most a bound per involved object (newest kept), in the cache's
 * tables and in the informer's own store alike. Against the simulated API server.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache, type ClusterCacheOptions } from '../../src/cluster/cache.ts';
import { ClientNodeCluster } from '../../src/cluster/client-node-cluster.ts';
import { EVENT_RETENTION } from '../../src/cluster/event-retention.ts';
import { buildSnapshots } from '../../src/cluster/snapshot.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import type { Snapshot } from '../../src/contract/snapshot.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { createSimClock, type SimClock } from '../../src/sim/kit/clock.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { podEvent } from '../support/events.ts';
import { FIXTURE_NOW, listFixtures } from '../support/fixtures.ts';
import { readyPod, seedFixture, waitFor } from './helpers.ts';

const FAST = { watchdogSilenceMs: 5_000, watchdogCheckMs: 250 };

interface Harness {
  server: FakeApiServer;
  cache: ClusterCache;
  clock: SimClock;
}

let open: { server: FakeApiServer; caches: ClusterCache[] }[] = [];

afterEach(async () => {
  for (const { server, caches } of open) {
    await Promise.all(caches.map((c) => c.stop()));
    await server.close();
  }
  open = [];
});

async function startServer(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ bookmarkIntervalMs: 200 });
  open.push({ server, caches: [] });
  return server;
}

function cacheOn(server: FakeApiServer, options: ClusterCacheOptions): ClusterCache {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  const cache = new ClusterCache(new ClientNodeCluster(kc), { timings: FAST, ...options });
  open.find((o) => o.server === server)?.caches.push(cache);
  return cache;
}

async function setUp(seed: (server: FakeApiServer, clock: SimClock) => void, options: ClusterCacheOptions = {}): Promise<Harness> {
  const clock = createSimClock(Date.now());
  const server = await startServer();
  server.store.ensureNamespace('shop');
  seed(server, clock);
  const cache = cacheOn(server, { resources: ['pods', 'events'], now: clock.nowMs, ...options });
  cache.start();
  await cache.waitForSync(10_000);
  return { server, cache, clock };
}

const WEB = { namespace: 'shop', name: 'web', uid: 'uid-web' };
const DB = { namespace: 'shop', name: 'db', uid: 'uid-db' };

const eventNames = (cache: ClusterCache, pod: typeof WEB): string[] => cache.eventsFor('Pod', pod.namespace, pod.name, pod.uid).map((e) => e.metadata.name).sort();
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('ClusterCache: Events under a storm', () => {
  it('keeps the newest perObject Events of one Pod, from the LIST and from the watch, in the cache and the informer alike', async () => {
    const { server, cache, clock } = await setUp((s, c) => {
      s.store.create(readyPod('shop', 'web', { uid: WEB.uid }));
      s.store.create(readyPod('shop', 'db', { uid: DB.uid }));
      // 300 FailedMount Events about web, one a second up to now, and one about db.
      for (const i of range(0, 300)) s.store.create(podEvent(`web.${String(i).padStart(5, '0')}`, WEB, c.nowMs() - (300 - i) * 1_000));
      s.store.create(podEvent('db.1', DB, c.nowMs() - 600_000));
    });
    const perObject = EVENT_RETENTION.perObject;
    const name = (i: number) => `web.${String(i).padStart(5, '0')}`;

    expect(eventNames(cache, WEB)).toEqual(range(300 - perObject, 300).map(name));
    expect(cache.informerStats().events).toMatchObject({ objects: perObject + 1, droppedOverBound: 300 - perObject });

    // The storm goes on over the watch: 700 more, each newer than the last.
    for (const i of range(300, 1_000)) server.store.create(podEvent(name(i), WEB, clock.nowMs() + (i - 300) * 10));
    await waitFor(() => cache.informerStats().events?.droppedOverBound === 1_000 - perObject, 'the storm to be applied', 10_000);

    expect(eventNames(cache, WEB)).toEqual(range(1_000 - perObject, 1_000).map(name));
    expect(eventNames(cache, DB)).toEqual(['db.1']);
    expect(cache.objectSet().events).toHaveLength(perObject + 1);
    expect(cache.informerStats().events?.objects).toBe(perObject + 1);
    expect(server.store.list('events').items.length).toBe(1_001);
  });

  it('keeps no Event last seen before the window: old ones are neither listed into the cache nor taken from the watch', async () => {
    const windowMs = EVENT_RETENTION.maxAgeSeconds * 1_000;
    const { server, cache, clock } = await setUp((s, c) => {
      s.store.create(readyPod('shop', 'web', { uid: WEB.uid }));
      // 500 Events about 50 Pods, all last seen two hours ago, and one a minute ago.
      for (const i of range(0, 500)) {
        s.store.create(podEvent(`old.${i}`, { namespace: 'shop', name: `gone-${i % 50}`, uid: `uid-gone-${i % 50}` }, c.nowMs() - 2 * windowMs));
      }
      s.store.create(podEvent('recent.1', WEB, c.nowMs() - 60_000));
    });

    expect(cache.objectSet().events.map((e) => e.metadata.name)).toEqual(['recent.1']);
    expect(cache.informerStats().events).toMatchObject({ objects: 1, droppedAsOld: 500 });

    server.store.create(podEvent('late-but-old', WEB, clock.nowMs() - windowMs - 1_000));
    server.store.create(podEvent('recent.2', WEB, clock.nowMs()));
    await waitFor(() => eventNames(cache, WEB).includes('recent.2'), 'the recent Event from the watch');

    expect(eventNames(cache, WEB)).toEqual(['recent.1', 'recent.2']);
    expect(cache.informerStats().events).toMatchObject({ objects: 2, droppedAsOld: 501 });
  });
});

describe('ClusterCache: Events age out', () => {
  it('drops an Event once it is last seen longer ago than the window, though the API server never deletes it', async () => {
    const windowSeconds = EVENT_RETENTION.maxAgeSeconds;
    const { server, cache, clock } = await setUp(
      (s, c) => {
        s.store.create(readyPod('shop', 'web', { uid: WEB.uid }));
        const t0 = c.nowMs();
        s.store.create(podEvent('a', WEB, t0));
        s.store.create(podEvent('b', WEB, t0));
        // events.k8s.io series: last observed later than its lastTimestamp says (the engine orders by the series).
        s.store.create(podEvent('c', WEB, t0, { series: { count: 4, lastObservedTime: new Date(t0 + 3_000_000).toISOString() } }));
      },
      { eventRetention: { sweepEveryMs: 20 } },
    );
    expect(eventNames(cache, WEB)).toEqual(['a', 'b', 'c']);

    // b happens again 3,000 s later: the kubelet bumps its count and lastTimestamp (a MODIFIED).
    clock.advance(3_000);
    const b = structuredClone(server.store.get('events', 'shop', 'b')) as KubeObject & { count: number; lastTimestamp: string };
    b.count = 2;
    b.lastTimestamp = clock.now().toISOString();
    server.store.update(b);
    await waitFor(() => cache.eventsFor('Pod', 'shop', 'web', WEB.uid).find((e) => e.metadata.name === 'b')?.count === 2, 'b updated');

    clock.advance(windowSeconds - 3_000 + 1);
    await waitFor(() => !eventNames(cache, WEB).includes('a'), 'a to age out');
    expect(eventNames(cache, WEB)).toEqual(['b', 'c']);

    clock.advance(3_000);
    await waitFor(() => eventNames(cache, WEB).length === 0, 'b and c to age out');

    expect(cache.informerStats().events).toMatchObject({ objects: 0, droppedAsOld: 3, lists: 1 });
    expect(server.store.list('events').items.map((e) => e.metadata.name).sort()).toEqual(['a', 'b', 'c']);
    expect(cache.pods()).toHaveLength(1);
  });
});

describe('ClusterCache: the retention changes no diagnosis', () => {
  /** Diagnoses of every snapshot of a cache, in a stable order. */
  function diagnosesOf(cache: ClusterCache): (Diagnosis | null)[] {
    const key = (s: Snapshot) => (s.kind === 'Pod' ? `Pod/${s.pod.metadata.namespace}/${s.pod.metadata.name}` : `${s.workload.kind}/${s.workload.metadata.namespace}/${s.workload.metadata.name}`);
    return buildSnapshots(cache.objectSet(), FIXTURE_NOW)
      .sort((a, b) => key(a).localeCompare(key(b)))
      .map((s) => diagnose(s));
  }

  it('diagnoses every fixture from the informers\' cache (Events retained on the fixtures\' clock) as from all its objects', async () => {
    let droppedSomewhere = 0;
    let diagnosed = 0;
    for (const { path } of listFixtures()) {
      const server = await startServer();
      seedFixture(server.store, path);
      const watched = cacheOn(server, { now: () => Date.parse(FIXTURE_NOW) });
      const everything = cacheOn(server, {});
      watched.start();
      await Promise.all([watched.waitForSync(10_000), everything.loadOnce()]);

      const diagnoses = diagnosesOf(watched);
      expect({ path, diagnoses }).toEqual({ path, diagnoses: diagnosesOf(everything) });
      diagnosed += diagnoses.filter((d) => d !== null).length;
      droppedSomewhere += everything.objectSet().events.length - watched.objectSet().events.length;
      await watched.stop();
      await server.close();
      open = open.filter((o) => o.server !== server);
    }
    // The corpus holds Events past the window (healthy/*: old FailedCreate, old hooks, old start-up): some were dropped.
    expect(droppedSomewhere).toBeGreaterThan(0);
    // Not a corpus of empty caches: most fixtures are failures the engine names.
    expect(diagnosed).toBeGreaterThan(100);
  }, 120_000);
});
