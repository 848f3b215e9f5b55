import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { ClientNodeCluster } from '../../src/cluster/client-node-cluster.ts';
import { logCandidate, redactSecrets, SnapshotCollector, toLogLines } from '../../src/cluster/collector.ts';
import type { Node, Pod } from '../../src/contract/k8s.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { FIXTURE_NOW } from '../support/fixtures.ts';
import { fixtureObjects, seedFixture } from './helpers.ts';

const CRASH = 'container-exit/immediate/exit-1-config-error.yaml';
const CRASH_POD = { namespace: 'finance', name: 'billing-worker-7c8d9e6f5-b5n6m' };
const HEALTHY = 'healthy/running-deployment-pod.yaml';
const HEALTHY_POD = { namespace: 'shop', name: 'web-7d9f8b6c5-x2x9k' };
// What the crashed worker printed before it exited 1 (application output; the error text is go-yaml's).
const WORKER_LOG = ['starting billing-worker 2.2.0', 'loading /etc/billing/config.yaml', 'fatal: yaml: line 3: mapping values are not allowed in this context'];

let server: FakeApiServer | undefined;
let cache: ClusterCache | undefined;

afterEach(async () => {
  await cache?.stop();
  await server?.close();
  cache = undefined;
  server = undefined;
});

async function setUp(seed: (s: FakeApiServer) => void, namespaces?: string[]): Promise<{ server: FakeApiServer; collector: SnapshotCollector; cluster: ClientNodeCluster }> {
  server = await startFakeApiServer({ tls: true, bookmarkIntervalMs: 200 });
  seed(server);
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  const cluster = new ClientNodeCluster(kc);
  // The fixtures' events are aged on the fixtures' clock, as the agent ages them on its own.
  cache = new ClusterCache(cluster, { namespaces, timings: { watchdogSilenceMs: 5_000, watchdogCheckMs: 250 }, now: () => Date.parse(FIXTURE_NOW) });
  cache.start();
  await cache.waitForSync(10_000);
  return { server, cluster, collector: new SnapshotCollector({ cache, reader: cluster, now: () => new Date(FIXTURE_NOW) }) };
}

/** Requests other than the informers' long-running watches. */
function requestsBesidesWatches(s: FakeApiServer): number {
  return s.countRequests((r) => r.verb !== 'watch');
}

function seedCrashAndHealthy(s: FakeApiServer): void {
  seedFixture(s.store, CRASH);
  seedFixture(s.store, HEALTHY);
  s.store.setLogs(CRASH_POD.namespace, CRASH_POD.name, 'worker', { previous: WORKER_LOG, current: [] });
}

describe('SnapshotCollector: API requests per diagnosis', () => {
  it('costs no request for a healthy Pod in a watched namespace', async () => {
    const { server, collector } = await setUp(seedCrashAndHealthy);
    const before = requestsBesidesWatches(server);

    const snapshot = await collector.collect(HEALTHY_POD);

    expect(snapshot?.pod.metadata.name).toBe(HEALTHY_POD.name);
    expect(snapshot && diagnose(snapshot)).toBeNull();
    expect(requestsBesidesWatches(server) - before).toBe(0);
  });

  it('reads the previous container\'s log tail once for a crash-looping Pod, bounded by tailLines and limitBytes', async () => {
    const { server, collector } = await setUp(seedCrashAndHealthy);
    const before = requestsBesidesWatches(server);

    const snapshot = await collector.collect(CRASH_POD);

    expect(snapshot?.logs).toEqual([{ container: 'worker', previous: true, lines: WORKER_LOG }]);
    expect(requestsBesidesWatches(server) - before).toBe(1);
    const logRequest = server.requests.find((r) => r.verb === 'log');
    const query = new URLSearchParams(logRequest?.query);
    expect(Object.fromEntries(query)).toMatchObject({ container: 'worker', previous: 'true', tailLines: '50', limitBytes: '16384' });
    expect(snapshot && diagnose(snapshot)?.cause).toBe('container-exit.immediate');
  });

  it('stays within one request per diagnosis in steady state (log tails are remembered per container instance)', async () => {
    const { server, collector } = await setUp(seedCrashAndHealthy);
    const before = requestsBesidesWatches(server);

    for (let i = 0; i < 5; i++) {
      await collector.collect(CRASH_POD);
      await collector.collect(HEALTHY_POD);
    }

    expect(requestsBesidesWatches(server) - before).toBe(1);
    expect(collector.stats()).toMatchObject({ collections: 10, requests: 1, logReads: 1, logCacheHits: 4 });
  });

  it('reads the new instance\'s log after the container restarts again', async () => {
    const { server, collector } = await setUp(seedCrashAndHealthy);
    await collector.collect(CRASH_POD);
    const pod = structuredClone(server.store.get('pods', CRASH_POD.namespace, CRASH_POD.name)) as KubeObject & { status: { containerStatuses: { restartCount: number }[] } };
    const [status] = pod.status.containerStatuses;
    if (status) status.restartCount = 10;
    server.store.update(pod);
    await new Promise((resolve) => setTimeout(resolve, 200));

    await collector.collect(CRASH_POD);

    expect(server.countRequests({ verb: 'log' })).toBe(2);
  });

  it('GETs a Pod of a namespace it does not watch: one request, and null when it does not exist', async () => {
    const { server, collector } = await setUp(seedCrashAndHealthy, ['shop']);
    const before = requestsBesidesWatches(server);

    const snapshot = await collector.collect(CRASH_POD, { withLogs: false });
    const afterFound = requestsBesidesWatches(server);
    const missing = await collector.collect({ namespace: 'finance', name: 'no-such-pod' }, { withLogs: false });

    expect(snapshot?.pod.metadata.uid).toBe('4f2b6d8e-1a3c-4e5f-b7c9-2d4e6f8a0b13');
    expect(afterFound - before).toBe(1);
    expect(server.countRequests({ verb: 'get', resource: 'pods', namespace: 'finance', name: CRASH_POD.name })).toBe(1);
    expect(missing).toBeNull();
    expect(requestsBesidesWatches(server) - afterFound).toBe(1);
  });

  it('answers null for a missing Pod of a watched namespace without asking the API server', async () => {
    const { server, collector } = await setUp(seedCrashAndHealthy);
    const before = requestsBesidesWatches(server);

    const snapshot = await collector.collect({ namespace: 'shop', name: 'gone-pod' });

    expect(snapshot).toBeNull();
    expect(requestsBesidesWatches(server) - before).toBe(0);
  });

  it('builds a pod-less workload\'s snapshot (quota FailedCreate) from the cache alone', async () => {
    const { server, collector } = await setUp((s) => seedFixture(s.store, 'unschedulable/quota-exceeded/replicaset-requests-cpu.yaml'));
    const before = requestsBesidesWatches(server);

    const snapshot = await collector.collectWorkload({ kind: 'ReplicaSet', namespace: 'storefront', name: 'web-5f7b9c8d6' });

    expect(snapshot && diagnose(snapshot)?.cause).toBe('unschedulable.quota-exceeded');
    expect(requestsBesidesWatches(server) - before).toBe(0);
  });
});

describe('SnapshotCollector: change context', () => {
  it('names the owner\'s latest rollout: revision, when, and the image change', async () => {
    const objects = fixtureObjects(CRASH);
    const { collector } = await setUp((s) => {
      s.store.ensureNamespace('finance');
      const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'billing-worker', namespace: 'finance', uid: 'd-billing', creationTimestamp: '2026-10-01T09:00:00Z' }, spec: {} };
      const owner = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'billing-worker', uid: 'd-billing', controller: true }];
      const template = (image: string) => ({ spec: { containers: [{ name: 'worker', image }] } });
      s.store.create(deployment);
      s.store.create({
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: { name: 'billing-worker-5b6c7d8e9', namespace: 'finance', uid: 'rs-rev1', creationTimestamp: '2026-10-01T09:00:00Z', annotations: { 'deployment.kubernetes.io/revision': '1' }, ownerReferences: owner },
        spec: { replicas: 0, template: template('registry.example.com/finance/billing-worker:2.1.0') },
      });
      s.store.create({
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: { name: 'billing-worker-7c8d9e6f5', namespace: 'finance', uid: '8b0c2d4e-6f8a-4c0e-d2f4-4a6b8c0d2e34', creationTimestamp: '2026-11-20T11:35:00Z', annotations: { 'deployment.kubernetes.io/revision': '2' }, ownerReferences: owner },
        spec: { replicas: 1, template: template('registry.example.com/finance/billing-worker:2.2.0') },
      });
      for (const object of objects) if (!(object.kind === 'Node' && s.store.get('nodes', undefined, object.metadata.name ?? ''))) s.store.create(object);
    });

    const snapshot = await collector.collect(CRASH_POD, { withLogs: false });
    const diagnosis = snapshot && diagnose(snapshot);

    expect(snapshot?.rollout).toEqual({
      workload: 'Deployment/billing-worker',
      revision: '2',
      changedAt: '2026-11-20T11:35:00Z',
      change: 'image worker: registry.example.com/finance/billing-worker:2.1.0 → registry.example.com/finance/billing-worker:2.2.0',
    });
    expect(diagnosis?.evidence).toContainEqual({
      kind: 'change',
      detail: 'Deployment/billing-worker rolled out revision 2 25m ago: image worker: registry.example.com/finance/billing-worker:2.1.0 → registry.example.com/finance/billing-worker:2.2.0',
    });
  });
});

function podWith(status: Pod['status'], spec: Partial<Pod['spec']> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'app' }], ...spec }, status };
}

describe('logCandidate', () => {
  it('picks the previous instance of a container waiting in CrashLoopBackOff', () => {
    const pod = podWith({ containerStatuses: [{ name: 'app', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] });

    expect(logCandidate(pod, FIXTURE_NOW)).toEqual({ container: 'app', previous: true, restartCount: 4, immutable: true });
  });

  it('picks the current instance of a container that exited non-zero and is not restarted (Job)', () => {
    const pod = podWith({ containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }] }, { restartPolicy: 'Never' });

    expect(logCandidate(pod, FIXTURE_NOW)).toMatchObject({ container: 'app', previous: false });
  });

  it('picks a container running unready with a probe for a while, not one that just started', () => {
    const spec = { containers: [{ name: 'app', readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }] };
    const status = (startedAt: string): Pod['status'] => ({ containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { running: { startedAt } } }] });

    expect(logCandidate(podWith(status('2026-11-20T11:50:00Z'), spec), FIXTURE_NOW)).toMatchObject({ previous: false, immutable: false });
    expect(logCandidate(podWith(status('2026-11-20T11:59:55Z'), spec), FIXTURE_NOW)).toBeNull();
  });

  it('picks nothing for a Ready Pod with an old restart, an image pull wait, or a Pod on a NotReady node', () => {
    const ready = podWith({ containerStatuses: [{ name: 'app', ready: true, restartCount: 3, state: { running: { startedAt: '2026-11-20T10:00:00Z' } }, lastState: { terminated: { exitCode: 137 } } }] });
    const pulling = podWith({ containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] });
    const crashing = podWith({ containerStatuses: [{ name: 'app', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }] });
    const lostNode: Node = { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } };

    expect(logCandidate(ready, FIXTURE_NOW)).toBeNull();
    expect(logCandidate(pulling, FIXTURE_NOW)).toBeNull();
    expect(logCandidate(crashing, FIXTURE_NOW, lostNode)).toBeNull();
  });
});

describe('log tails', () => {
  it('keeps the last lines and clips a 50 KB line', () => {
    const text = [...Array.from({ length: 80 }, (_, i) => `line ${i}`), 'x'.repeat(50_000)].join('\n') + '\n';

    const lines = toLogLines(text, { lines: 50, maxLineLength: 500 });

    expect(lines).toHaveLength(50);
    expect(lines[0]).toBe('line 31');
    expect(lines.at(-1)).toHaveLength(501);
  });

  it('masks credentials that applications print', () => {
    expect(redactSecrets('POST /login password=hunter2 user=bob')).toBe('POST /login password=[redacted] user=bob');
    expect(redactSecrets('Authorization: Bearer eyJhbGciOi.abc')).toBe('Authorization: Bearer [redacted]');
    expect(redactSecrets('slack token xoxb-1234-5678-abcdef')).toBe('slack token [redacted]');
  });
});

describe('SnapshotCollector: remembered log tails', () => {
  it('keeps the most recently used tails within its byte bound, so a steady pass over many crashed containers re-reads none it still holds', async () => {
    const { cluster: reader } = await setUp(seedCrashAndHealthy);
    const pod = cache?.podByName(CRASH_POD.namespace, CRASH_POD.name) as Pod;
    // The worker's three log lines, as tailBytes counts them.
    const TAIL_BYTES = 200 + WORKER_LOG.reduce((n, line) => n + line.length + 16, 0);
    // Three crashed instances (restart counts) of the same container; room for two tails.
    const instances = [7, 8, 9].map((restartCount) => {
      const copy = structuredClone(pod);
      const [status] = copy.status?.containerStatuses ?? [];
      if (status) status.restartCount = restartCount;
      return copy;
    });
    const collector = new SnapshotCollector({ cache: cache as ClusterCache, reader, now: () => new Date(FIXTURE_NOW), logCacheBytes: 2 * TAIL_BYTES });

    for (const instance of instances) await collector.snapshotOf(instance);
    expect(collector.logCacheUsage()).toEqual({ tails: 2, bytes: 2 * TAIL_BYTES });
    await collector.snapshotOf(instances[2] as Pod);
    await collector.snapshotOf(instances[1] as Pod);
    expect(collector.stats()).toMatchObject({ logReads: 3, logCacheHits: 2 });
    await collector.snapshotOf(instances[0] as Pod);
    expect(collector.stats()).toMatchObject({ logReads: 4, logCacheHits: 2 });
    // Reading the first instance again pushed out the least recently used one (restart 9), not restart 8.
    await collector.snapshotOf(instances[1] as Pod);
    expect(collector.stats()).toMatchObject({ logReads: 4, logCacheHits: 3 });
  });
});
