/**
 * What an Event storm costs the informer cache, with the Event retention (src/cluster/event-retention.ts)
 * and without it: `--storm` FailedMount Events about one Pod, all within the window, and `--old` Events
 * about other Pods last seen two hours ago, served by the simulated API server in this process. Prints
 * the Events each cache holds, its sync time and the heap it holds after a full GC.
 *
 *   node --expose-gc bench/event-storm.ts [--storm 100000] [--old 100000]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterCache } from '../src/cluster/cache.ts';
import { ClientNodeCluster } from '../src/cluster/client-node-cluster.ts';
import { EVENT_RETENTION } from '../src/cluster/event-retention.ts';
import { startFakeApiServer } from '../src/sim/api-server.ts';
import { ObjectStore, type KubeObject } from '../src/sim/store.ts';
import { podEvent } from '../test/support/events.ts';

const { values } = parseArgs({ options: { storm: { type: 'string', default: '100000' }, old: { type: 'string', default: '100000' } } });
const storm = Number(values.storm);
const old = Number(values.old);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const now = Date.now();
const WEB = { namespace: 'shop', name: 'web', uid: 'uid-web' };
const store = new ObjectStore();
store.ensureNamespace('shop');
store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } as KubeObject);
const seedStarted = performance.now();
for (let i = 0; i < storm; i++) store.create(podEvent(`web.${i}`, WEB, now - 1_800_000 + Math.floor((i * 1_800_000) / Math.max(1, storm))));
for (let i = 0; i < old; i++) store.create(podEvent(`old.${i}`, { namespace: 'shop', name: `gone-${i % 1000}`, uid: `uid-gone-${i % 1000}` }, now - 7_200_000));
const server = await startFakeApiServer({ store, tls: true });
process.stderr.write(`[event-storm] seeded ${storm} storm + ${old} old Events in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`);

/** Heap in use after full collections (twice: the first may leave what finalizers release). */
function settledHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

async function measure(label: string, retention: Partial<typeof EVENT_RETENTION>): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  const cluster = new ClientNodeCluster(kc);
  const before = settledHeap();
  const cache = new ClusterCache(cluster, { resources: ['pods', 'events'], now: () => now, eventRetention: retention });
  const started = performance.now();
  cache.start();
  await cache.waitForSync(600_000);
  const syncMs = performance.now() - started;
  await cache.stop();
  const held = settledHeap() - before;
  const stats = cache.informerStats().events;
  const cached = cache.objectSet().events.length;
  await cluster.close();
  return (
    `${label.padEnd(34)} Events cached ${String(cached).padStart(7)} ` +
    `(informer ${stats?.objects}; dropped as old ${stats?.droppedAsOld}, over the bound ${stats?.droppedOverBound}); ` +
    `sync ${(syncMs / 1000).toFixed(1)} s; heap held ${(held / 1024 / 1024).toFixed(1)} MB`
  );
}

// The first sync in this process frees tens of MB the process held before it (seen as a negative figure): not measured.
await measure('warm-up', {});
const lines = [
  await measure(`retention (${EVENT_RETENTION.maxAgeSeconds} s, ${EVENT_RETENTION.perObject}/object)`, {}),
  await measure('no retention', { maxAgeSeconds: Infinity, perObject: Infinity }),
];
process.stdout.write(`\npodwhy bench event-storm — ${storm} Events about one Pod + ${old} two hours old, load ${loadavg()[0]?.toFixed(2)}\n${lines.join('\n')}\n`);
await server.close();
