import { connect, createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { apiPath, ClientNodeCluster } from '../../src/cluster/client-node-cluster.ts';
import { isPodwhyError, type PodwhyError } from '../../src/errors.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { readyPod, sleepMs, waitFor } from './helpers.ts';

let server: FakeApiServer;
let cluster: ClientNodeCluster;

beforeEach(async () => {
  server = await startFakeApiServer({ tls: true });
  server.store.ensureNamespace('shop');
  const pod = readyPod('shop', 'db-0', { uid: 'uid-db-0' });
  pod.metadata.finalizers = ['example.com/backup', 'example.com/lock'];
  server.store.create(pod);
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  cluster = new ClientNodeCluster(kc);
});

afterEach(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<PodwhyError> {
  try {
    await promise;
  } catch (error) {
    if (isPodwhyError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('ClientNodeCluster reads', () => {
  it('GETs a Pod normalized, and answers null for a missing one', async () => {
    const pod = await cluster.getPod({ namespace: 'shop', name: 'db-0' });
    const missing = await cluster.getPod({ namespace: 'shop', name: 'db-9' });

    expect(pod).toMatchObject({ kind: 'Pod', metadata: { uid: 'uid-db-0', creationTimestamp: '2026-11-20T11:00:00Z' } });
    expect(missing).toBeNull();
    expect(cluster.requests.snapshot()).toEqual({ 'get pods': 2 });
  });

  it('tells whether a namespace exists', async () => {
    expect(await cluster.namespaceExists('shop')).toBe(true);
    expect(await cluster.namespaceExists('nope')).toBe(false);
  });

  it('names the verb and the subresource when reading logs is forbidden', async () => {
    server.faults.failNext(403, { match: (r) => r.verb === 'log' });

    const error = await rejection(cluster.readLogTail({ namespace: 'shop', name: 'db-0' }, 'app', { previous: true, tailLines: 10, limitBytes: 1024 }));

    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/^forbidden: cannot get pods\/log in namespace "shop"/);
    expect(error.message).toContain('cannot get resource "pods/log"');
  });

  it('maps an overloaded or restarting server (503) to api-unreachable with its address', async () => {
    server.faults.failNext(503);

    const error = await rejection(cluster.listPods('shop'));

    expect(error.code).toBe('api-unreachable');
    expect(error.message).toContain(server.url);
  });

  it('builds watch paths for core, apps and batch resources', () => {
    expect(apiPath('pods')).toBe('/api/v1/pods');
    expect(apiPath('pods', 'shop')).toBe('/api/v1/namespaces/shop/pods');
    expect(apiPath('nodes', 'shop')).toBe('/api/v1/nodes');
    expect(apiPath('replicasets', 'shop')).toBe('/apis/apps/v1/namespaces/shop/replicasets');
    expect(apiPath('jobs')).toBe('/apis/batch/v1/jobs');
  });
});

describe('ClientNodeCluster actions', () => {
  it('deletes a Pod only while its uid matches (409 conflict for a re-created Pod)', async () => {
    const error = await rejection(cluster.deletePod({ namespace: 'shop', name: 'db-0' }, { uid: 'uid-of-an-older-db-0', force: true }));

    expect(error.code).toBe('conflict');
    expect(error.message).toContain('The object might have been deleted and then recreated');
    expect(server.store.get('pods', 'shop', 'db-0')).toBeDefined();
  });

  it('force-deletes with grace period 0 and the uid precondition', async () => {
    await cluster.deletePod({ namespace: 'shop', name: 'db-0' }, { uid: 'uid-db-0', force: true });

    const request = server.requests.find((r) => r.verb === 'delete');
    expect(new URLSearchParams(request?.query).get('gracePeriodSeconds')).toBe('0');
    const pod = server.store.get('pods', 'shop', 'db-0');
    // Finalizers keep it, marked for deletion.
    expect(pod?.metadata.deletionTimestamp).toBeDefined();
  });

  it('removes one finalizer with a JSON Patch that tests uid and position', async () => {
    await cluster.removeFinalizers({ namespace: 'shop', name: 'db-0' }, { uid: 'uid-db-0', current: ['example.com/backup', 'example.com/lock'], remove: ['example.com/lock'] });

    expect(server.store.get('pods', 'shop', 'db-0')?.metadata.finalizers).toEqual(['example.com/backup']);
  });

  it('refuses to remove a finalizer when the list changed since it was read', async () => {
    const changed = structuredClone(server.store.get('pods', 'shop', 'db-0')) as KubeObject;
    changed.metadata.finalizers = ['example.com/lock', 'example.com/backup'];
    server.store.update(changed);

    const error = await rejection(
      cluster.removeFinalizers({ namespace: 'shop', name: 'db-0' }, { uid: 'uid-db-0', current: ['example.com/backup', 'example.com/lock'], remove: ['example.com/lock'] }),
    );

    expect(error.code).toBe('conflict');
    expect(server.store.get('pods', 'shop', 'db-0')?.metadata.finalizers).toEqual(['example.com/lock', 'example.com/backup']);
  });
});

interface CountingProxy {
  port: number;
  /** TCP connections the client opened so far. */
  connections(): number;
  /** Those still open. */
  open(): number;
  close(): Promise<void>;
}

/** A TCP relay in front of the fake API server that counts the client's connections (TLS passes through it). */
async function countingProxy(targetPort: number): Promise<CountingProxy> {
  let connections = 0;
  const clients = new Set<Socket>();
  const proxy = createServer((client) => {
    connections += 1;
    clients.add(client);
    const upstream = connect(targetPort, '127.0.0.1');
    client.on('close', () => {
      clients.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connections: () => connections,
    open: () => clients.size,
    close: async () => {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** `api`'s kubeconfig, pointed at `port` (a proxy in front of it), optionally with another user. */
function kubeconfigVia(api: FakeApiServer, port: number, user?: Record<string, unknown>): KubeConfig {
  const doc = parseYaml(api.kubeconfigYaml()) as { clusters: { cluster: { server: string } }[]; users: { user: Record<string, unknown> }[] };
  for (const entry of doc.clusters) entry.cluster.server = `https://127.0.0.1:${port}`;
  if (user) for (const entry of doc.users) entry.user = user;
  const kc = new KubeConfig();
  kc.loadFromString(toYaml(doc));
  return kc;
}

/**
 * undici frees a connection a moment after the caller has read the body, so a request sent in the very
 * same turn finds it still busy and opens a second one; a worker's requests are separated by other work.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ClientNodeCluster connections', () => {
  let proxy: CountingProxy;
  let pooled: ClientNodeCluster | undefined;

  beforeEach(async () => {
    proxy = await countingProxy(server.port);
  });

  afterEach(async () => {
    await pooled?.close();
    pooled = undefined;
    await proxy.close();
  });

  it('sends sequential GETs, log reads, LISTs and a patch over one kept-alive TLS connection', async () => {
    server.store.setLogs('shop', 'db-0', 'app', { current: ['ready to accept connections'] });
    pooled = new ClientNodeCluster(kubeconfigVia(server, proxy.port));
    const c = pooled;
    const ref = { namespace: 'shop', name: 'db-0' };
    const tail = { previous: false, tailLines: 10, limitBytes: 1024 };
    const steps: (() => Promise<unknown>)[] = [
      ...Array.from({ length: 5 }, () => [() => c.getPod(ref), () => c.readLogTail(ref, 'app', tail)]).flat(),
      () => c.namespaceExists('shop'),
      () => c.namespaceExists('nope'),
      () => c.listPods(),
      () => c.getPod({ namespace: 'shop', name: 'db-9' }),
      () => c.removeFinalizers(ref, { uid: 'uid-db-0', current: ['example.com/backup', 'example.com/lock'], remove: ['example.com/lock'] }),
    ];

    const results: unknown[] = [];
    for (const step of steps) {
      results.push(await step());
      await nextTurn();
    }

    expect(results[1]).toBe('ready to accept connections\n');
    expect(results.slice(10, 14)).toMatchObject([true, false, [{ metadata: { name: 'db-0' } }], null]);
    expect(c.requests.total()).toBe(15);
    expect(proxy.connections()).toBe(1);
  });

  it('reuses the connections of concurrent requests for the next ones', async () => {
    pooled = new ClientNodeCluster(kubeconfigVia(server, proxy.port));
    const c = pooled;
    const wave = (): Promise<unknown[]> => Promise.all(Array.from({ length: 10 }, () => c.getPod({ namespace: 'shop', name: 'db-0' })));

    await wave();
    await nextTurn();
    const afterFirstWave = proxy.connections();
    await wave();
    await nextTurn();
    await wave();

    expect(afterFirstWave).toBeLessThanOrEqual(10);
    expect(proxy.connections()).toBe(afterFirstWave);
  });

  it('authenticates each request through the kubeconfig: an exec plugin token is accepted, a wrong token is refused', async () => {
    const guarded = await startFakeApiServer({ tls: true, token: 'token-from-exec-plugin' });
    guarded.store.ensureNamespace('shop');
    guarded.store.create(readyPod('shop', 'db-0', { uid: 'uid-db-0' }));
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'token-from-exec-plugin' } };
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `echo '${JSON.stringify(credential)}'`], interactiveMode: 'Never' };
    const viaExec = new ClientNodeCluster(kubeconfigVia(guarded, guarded.port, { exec }));
    const wrongToken = new ClientNodeCluster(kubeconfigVia(guarded, guarded.port, { token: 'not-the-token' }));

    try {
      const pod = await viaExec.getPod({ namespace: 'shop', name: 'db-0' });
      await nextTurn();
      const again = await viaExec.getPod({ namespace: 'shop', name: 'db-0' });
      const error = await rejection(wrongToken.getPod({ namespace: 'shop', name: 'db-0' }));

      expect(pod?.metadata.uid).toBe('uid-db-0');
      expect(again?.metadata.uid).toBe('uid-db-0');
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain('401 Unauthorized');
      expect(guarded.requests.filter((r) => r.verb === 'get').map((r) => r.status)).toEqual([200, 200, 401]);
    } finally {
      await viaExec.close();
      await wrongToken.close();
      await guarded.close();
    }
  });

  it('replaces the connection pool after connectionRefreshMs and closes the old connection', async () => {
    // The refresh follows real time; a window of a second keeps the two requests before it inside one pool
    // even on a loaded machine (100 ms did not: two requests could straddle it).
    pooled = new ClientNodeCluster(kubeconfigVia(server, proxy.port), { connectionRefreshMs: 1_000 });
    const ref = { namespace: 'shop', name: 'db-0' };

    await pooled.getPod(ref);
    await nextTurn();
    await pooled.getPod(ref);
    const beforeRefresh = proxy.connections();
    await sleepMs(1_100);
    await pooled.getPod(ref);
    await waitFor(() => proxy.open() === 1, 'the old pool to close its connection');

    expect(beforeRefresh).toBe(1);
    expect(proxy.connections()).toBe(2);
  });
});
