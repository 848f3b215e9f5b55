import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { ClientNodeCluster } from '../../src/cluster/client-node-cluster.ts';
import { buildSnapshots } from '../../src/cluster/snapshot.ts';
import { KubeConfig } from '@kubernetes/client-node';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { FIXTURE_NOW, listFixtures, loadFixture } from '../support/fixtures.ts';
import { fixtureObjects, readyPod, RESOURCE_OF_KIND, seedFixture, waitFor } from './helpers.ts';

/** A cache filled the way informers fill it, from a fixture's objects. */
function cacheOf(path: string): ClusterCache {
  const cache = new ClusterCache({ listerWatcher: () => { throw new Error('no API in this test'); } });
  for (const object of fixtureObjects(path)) {
    const resource = RESOURCE_OF_KIND.get(String(object.kind));
    if (resource) cache.ingest(resource, [object]);
  }
  return cache;
}

describe('ClusterCache slices', () => {
  // The collector builds one Pod's snapshot from the cache's targeted slice; it must see exactly what
  // the whole-dump path (podwhy diagnose, the corpus) sees, for every fixture.
  it.each(listFixtures().map((f) => [f.path] as const))('%s: one Pod\'s slice diagnoses like the whole dump', (path) => {
    const cache = cacheOf(path);
    const whole = loadFixture(path).filter((s): s is PodSnapshot => s.kind === 'Pod');

    const sliced = cache.pods().map((pod) => {
      const snapshot = buildSnapshots(cache.podObjectSet(pod), FIXTURE_NOW).find((s): s is PodSnapshot => s.kind === 'Pod' && s.pod.metadata.uid === pod.metadata.uid);
      return snapshot ? diagnose(snapshot) : undefined;
    });

    expect(sliced).toEqual(whole.map((s) => diagnose(s)));
  });

  it('keys Pods by uid: a re-created Pod of the same name does not inherit the old one\'s events', () => {
    const cache = new ClusterCache({ listerWatcher: () => { throw new Error('unused'); } });
    const old = readyPod('shop', 'db-0', { uid: 'uid-old', creationTimestamp: '2026-11-20T10:00:00Z' });
    const fresh = readyPod('shop', 'db-0', { uid: 'uid-new', creationTimestamp: '2026-11-20T11:50:00Z' });
    cache.ingest('pods', [old, fresh]);
    cache.ingest('events', [
      { metadata: { name: 'db-0.1', namespace: 'shop', uid: 'e1' }, involvedObject: { kind: 'Pod', namespace: 'shop', name: 'db-0', uid: 'uid-old' }, reason: 'Killing' },
      { metadata: { name: 'db-0.2', namespace: 'shop', uid: 'e2' }, involvedObject: { kind: 'Pod', namespace: 'shop', name: 'db-0', uid: 'uid-new' }, reason: 'Started' },
    ]);

    const pod = cache.podByName('shop', 'db-0');
    const snapshot = pod && buildSnapshots(cache.podObjectSet(pod), FIXTURE_NOW).find((s): s is PodSnapshot => s.kind === 'Pod');
    const events = snapshot ? snapshot.events.map((e) => e.reason) : [];

    expect(pod?.metadata.uid).toBe('uid-new');
    expect(cache.pods('shop')).toHaveLength(2);
    expect(events).toEqual(['Started']);
    expect(cache.eventsFor('Pod', 'shop', 'db-0', 'uid-new').map((e) => e.reason)).toEqual(['Started']);
  });

  it('finds a workload\'s Pods through its ReplicaSets', () => {
    const cache = new ClusterCache({ listerWatcher: () => { throw new Error('unused'); } });
    cache.ingest('deployments', [{ metadata: { name: 'web', namespace: 'shop', uid: 'd1' } }]);
    cache.ingest('replicasets', [{ metadata: { name: 'web-1', namespace: 'shop', uid: 'r1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] } }]);
    const owned = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1', controller: true };
    cache.ingest('pods', [
      { ...readyPod('shop', 'web-1-a', { uid: 'p1' }), metadata: { name: 'web-1-a', namespace: 'shop', uid: 'p1', ownerReferences: [owned] } },
      readyPod('shop', 'other', { uid: 'p2' }),
    ]);

    const pods = cache.podsOfWorkload('d1').map((p) => p.metadata.name);

    expect(pods).toEqual(['web-1-a']);
    expect(cache.podsOnNode('node-a').map((p) => p.metadata.name).sort()).toEqual(['other', 'web-1-a']);
  });
});

describe('ClusterCache on a live API server', () => {
  let server: FakeApiServer | undefined;
  let cache: ClusterCache | undefined;

  afterEach(async () => {
    await cache?.stop();
    await server?.close();
    cache = undefined;
    server = undefined;
  });

  it('watches only the configured namespaces (nodes cluster-wide), one informer per resource and namespace', async () => {
    server = await startFakeApiServer({ tls: true });
    seedFixture(server.store, 'container-exit/immediate/exit-1-config-error.yaml');
    seedFixture(server.store, 'healthy/running-deployment-pod.yaml');
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    cache = new ClusterCache(new ClientNodeCluster(kc), { namespaces: ['finance'], timings: { watchdogSilenceMs: 5_000, watchdogCheckMs: 500 } });

    cache.start();
    await cache.waitForSync(10_000);

    expect(cache.pods().map((p) => p.metadata.name)).toEqual(['billing-worker-7c8d9e6f5-b5n6m']);
    expect(cache.nodes().map((n) => n.metadata.name).sort()).toEqual(['node-a', 'node-b']);
    expect(Object.keys(cache.informerStats()).sort()).toEqual([
      'cronjobs@finance', 'daemonsets@finance', 'deployments@finance', 'events@finance', 'jobs@finance', 'namespaces', 'nodes',
      'persistentvolumeclaims@finance', 'pods@finance', 'replicasets@finance', 'resourcequotas@finance', 'statefulsets@finance',
    ]);
    expect(cache.watchesNamespace('finance')).toBe(true);
    expect(cache.watchesNamespace('shop')).toBe(false);
  });

  it('tells listeners about each change after its indexes are updated', async () => {
    server = await startFakeApiServer({ tls: true });
    server.store.ensureNamespace('shop');
    server.store.create(readyPod('shop', 'a', { uid: 'uid-a' }));
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    cache = new ClusterCache(new ClientNodeCluster(kc), { resources: ['pods'], timings: { watchdogSilenceMs: 5_000, watchdogCheckMs: 500 } });
    const seen: string[] = [];
    const live = cache;
    live.onChange((change) => {
      const name = (change.object as { metadata: { name: string } }).metadata.name;
      seen.push(`${change.resource} ${change.type} ${name} cached=${live.podByName('shop', name) !== undefined}`);
    });
    cache.start();
    await cache.waitForSync(10_000);

    server.store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 0 });
    await waitFor(() => !cache?.pod('uid-a'), 'a deleted');

    expect(seen[0]).toBe('pods add a cached=true');
    expect(seen.at(-1)).toBe('pods delete a cached=false');
  });

  it('follows a Pod deleted and re-created under the same name as two objects', async () => {
    server = await startFakeApiServer({ tls: true });
    server.store.ensureNamespace('shop');
    server.store.create(readyPod('shop', 'db-0', { uid: 'uid-old' }));
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    cache = new ClusterCache(new ClientNodeCluster(kc), { resources: ['pods'], timings: { watchdogSilenceMs: 5_000, watchdogCheckMs: 500 } });
    cache.start();
    await cache.waitForSync(10_000);

    server.store.delete('pods', 'shop', 'db-0', { gracePeriodSeconds: 0 });
    server.store.create(readyPod('shop', 'db-0', { uid: 'uid-new' }));
    await waitFor(() => cache?.podByName('shop', 'db-0')?.metadata.uid === 'uid-new', 'the new db-0');

    expect(cache.pod('uid-old')).toBeUndefined();
    expect(cache.pods('shop').map((p) => p.metadata.uid)).toEqual(['uid-new']);
  });

  it('keeps Namespaces slim (name, labels, annotations) and follows annotation changes through the watch', async () => {
    server = await startFakeApiServer({ tls: true });
    server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a' }, annotations: { 'podwhy.io/channel': '#shop' } } });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    cache = new ClusterCache(new ClientNodeCluster(kc), { namespaces: ['shop'], resources: ['pods', 'namespaces'], timings: { watchdogSilenceMs: 5_000, watchdogCheckMs: 500 } });
    cache.start();
    await cache.waitForSync(10_000);
    const listed = cache.namespace('shop');

    const current = server.store.get('namespaces', undefined, 'shop');
    if (!current) throw new Error('no namespace shop');
    server.store.update({ ...current, metadata: { ...current.metadata, annotations: { 'podwhy.io/channel': 'C0SHOPOPS' } } });
    await waitFor(() => cache?.namespace('shop')?.metadata.annotations?.['podwhy.io/channel'] === 'C0SHOPOPS', 'the new annotation');

    expect(listed).toEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'shop', uid: expect.any(String), resourceVersion: expect.any(String), labels: { team: 'a' }, annotations: { 'podwhy.io/channel': '#shop' } },
    });
    expect(Object.keys(listed ?? {}).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(cache.namespace('absent')).toBeUndefined();
  });

  it('names the cluster\'s Namespaces once their informer has listed them, and none while it cannot (403) or runs none', async () => {
    server = await startFakeApiServer({ tls: true });
    server.store.ensureNamespace('shop');
    server.store.ensureNamespace('payments');
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const timings = { watchdogSilenceMs: 5_000, watchdogCheckMs: 500, backoff: { initialMs: 50, maxMs: 200 } };
    server.faults.failNext(403, { times: 1_000, match: (r) => r.resource === 'namespaces' });
    cache = new ClusterCache(new ClientNodeCluster(kc), { namespaces: ['shop'], resources: ['pods', 'namespaces'], timings });
    cache.start();
    const refused = cache;
    await waitFor(() => refused.informerStats()['pods@shop']?.hasSynced && server && server.countRequests({ resource: 'namespaces', verb: 'list', status: 403 }) >= 2, 'pods listed, namespaces refused twice');
    const whileRefused = cache.namespaceNames();
    const withoutInformer = new ClusterCache(new ClientNodeCluster(kc), { namespaces: ['shop'], resources: ['pods'] });
    server.faults.clearFailures();
    await waitFor(() => refused.namespaceNames(), 'the Namespaces listed once allowed', 10_000);

    expect(whileRefused).toBeNull();
    expect(withoutInformer.namespaceNames()).toBeNull();
    expect(cache.namespaceNames()).toEqual(expect.arrayContaining(['payments', 'shop']));
  });

  it('skips Namespaces in a one-shot load unless they are asked for (podwhy why needs no cluster-wide list)', async () => {
    server = await startFakeApiServer({ tls: true });
    server.store.ensureNamespace('shop');
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const oneShot = new ClusterCache(new ClientNodeCluster(kc), { namespaces: ['shop'] });
    const asked = new ClusterCache(new ClientNodeCluster(kc), { namespaces: ['shop'], resources: ['pods', 'namespaces'] });

    const oneShotFailures = await oneShot.loadOnce();
    const namespaceListsByOneShot = server.countRequests({ resource: 'namespaces', verb: 'list' });
    await asked.loadOnce();

    expect(oneShotFailures).toEqual([]);
    expect(namespaceListsByOneShot).toBe(0);
    expect(oneShot.namespace('shop')).toBeUndefined();
    expect(asked.namespace('shop')?.metadata.name).toBe('shop');
    expect(server.countRequests({ resource: 'namespaces', verb: 'list' })).toBe(1);
  });
});
