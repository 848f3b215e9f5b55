import { ApiException, CoreV1Api, KubeConfig, makeInformer, PatchStrategy, setHeaderOptions, Watch, type V1Pod } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { openWatch, sleep, until } from './watch-stream.ts';

function pod(name: string, extra: { namespace?: string; nodeName?: string; finalizers?: string[]; labels?: Record<string, string>; containers?: string[]; status?: Record<string, unknown> } = {}): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace: extra.namespace ?? 'shop' };
  if (extra.finalizers) metadata.finalizers = extra.finalizers;
  if (extra.labels) metadata.labels = extra.labels;
  const spec: Record<string, unknown> = { containers: (extra.containers ?? ['app']).map((c) => ({ name: c, image: 'nginx:1.27' })) };
  if (extra.nodeName) spec['nodeName'] = extra.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status: extra.status ?? { phase: 'Running' } };
}

function running(name: string): Record<string, unknown> {
  return { name, ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', state: { running: { startedAt: '2026-11-20T11:00:00Z' } } };
}

async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

function clientFor(server: FakeApiServer): { kc: KubeConfig; core: CoreV1Api } {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  return { kc, core: kc.makeApiClient(CoreV1Api) };
}

describe('fake API server over HTTP', () => {
  let server: FakeApiServer;

  beforeEach(async () => {
    server = await startFakeApiServer();
    server.store.ensureNamespace('shop');
  });
  afterEach(async () => {
    await server.close();
  });

  it('serves legacy discovery, and aggregated discovery when kubectl asks for it', async () => {
    const legacy = await getJson(`${server.url}/api`);
    const aggregated = await fetch(`${server.url}/apis`, { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    const v1 = await getJson(`${server.url}/api/v1`);
    const apps = await getJson(`${server.url}/apis/apps/v1`);

    expect(legacy.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(aggregated.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(((await aggregated.json()) as { items: { metadata: { name: string } }[] }).items.map((g) => g.metadata.name)).toEqual(['apps', 'batch']);
    expect(v1.body['resources']).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'] }),
      expect.objectContaining({ name: 'pods/log', verbs: ['get'] }),
      expect.objectContaining({ name: 'events', kind: 'Event' }),
      expect.objectContaining({ name: 'nodes', namespaced: false }),
    ]));
    expect((apps.body['resources'] as { name: string }[]).map((r) => r.name)).toContain('deployments');
  });

  it('answers a missing object and an unknown path with the apiserver 404 Status', async () => {
    const missing = await getJson(`${server.url}/apis/apps/v1/namespaces/shop/deployments/web`);
    const unknown = await getJson(`${server.url}/api/v1/namespaces/shop/secrets`);

    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound',
      message: 'deployments.apps "web" not found', details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    expect(unknown.body).toMatchObject({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
  });

  it('lists with the list kind and resourceVersion and items without kind/apiVersion', async () => {
    server.store.create(pod('a'));

    const list = await getJson(`${server.url}/api/v1/namespaces/shop/pods`);

    expect(list.body).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: server.store.resourceVersion } });
    const items = list.body['items'] as Record<string, unknown>[];
    expect(items).toHaveLength(1);
    expect(items[0]).not.toHaveProperty('kind');
    expect(items[0]).toMatchObject({ metadata: { name: 'a' } });
  });

  it('pages with limit/continue and expires the token after compaction', async () => {
    for (const n of ['a', 'b', 'c']) server.store.create(pod(n));

    const first = await getJson(`${server.url}/api/v1/pods?limit=2`);
    const token = (first.body['metadata'] as { continue: string }).continue;
    const second = await getJson(`${server.url}/api/v1/pods?limit=2&continue=${encodeURIComponent(token)}`);
    server.store.create(pod('d'));
    server.store.compact();
    const stale = await getJson(`${server.url}/api/v1/pods?limit=2&continue=${encodeURIComponent(token)}`);

    expect((first.body['items'] as KubeObject[]).map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(first.body['metadata']).toMatchObject({ remainingItemCount: 1 });
    expect((second.body['items'] as KubeObject[]).map((p) => p.metadata.name)).toEqual(['c']);
    expect(stale.status).toBe(410);
    expect(stale.body).toMatchObject({ reason: 'Expired', code: 410, metadata: { continue: expect.any(String) } });
  });

  it('returns a Table with the pod printer columns when asked as=Table', async () => {
    server.store.create(pod('a', { nodeName: 'n1', status: { phase: 'Running', containerStatuses: [running('app')] } }));

    const table = await getJson(`${server.url}/api/v1/namespaces/shop/pods`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });

    expect(table.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect((table.body['columnDefinitions'] as { name: string }[]).map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect((table.body['rows'] as { cells: unknown[] }[])[0]?.cells.slice(0, 4)).toEqual(['a', '1/1', 'Running', '0']);
  });

  it('creates with 201, refuses a missing namespace with 404 and a namespace mismatch with 400', async () => {
    const post = (ns: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> =>
      getJson(`${server.url}/api/v1/namespaces/${ns}/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const created = await post('shop', pod('a'));
    const noNamespace = await post('ghost', pod('b', { namespace: 'ghost' }));
    const mismatch = await post('shop', pod('c', { namespace: 'other' }));

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'Pod', metadata: { name: 'a', namespace: 'shop' } });
    expect(noNamespace.body).toMatchObject({ code: 404, message: 'namespaces "ghost" not found' });
    expect(mismatch.body).toMatchObject({ code: 400, message: 'the namespace of the provided object does not match the namespace sent on the request' });
  });

  it('rejects an unknown patch content type with 415 and a failed JSON Patch test with 422', async () => {
    server.store.create(pod('a'));
    const patch = (contentType: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> =>
      getJson(`${server.url}/api/v1/namespaces/shop/pods/a`, { method: 'PATCH', headers: { 'content-type': contentType }, body: JSON.stringify(body) });

    const unsupported = await patch('application/json', { metadata: { labels: { a: 'b' } } });
    const failedTest = await patch('application/json-patch+json', [{ op: 'test', path: '/metadata/uid', value: 'x' }]);
    const merged = await patch('application/merge-patch+json; charset=utf-8', { metadata: { labels: { a: 'b' } } });

    expect(unsupported.body).toMatchObject({
      code: 415,
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    });
    expect(failedTest.body).toMatchObject({ code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
    expect(merged.body).toMatchObject({ metadata: { labels: { a: 'b' } } });
  });

  it('deletes with gracePeriodSeconds from the query and answers a Success Status for resources that do not return the object', async () => {
    server.store.create(pod('a', { nodeName: 'n1' }));
    server.store.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: {} });

    const podDelete = await getJson(`${server.url}/api/v1/namespaces/shop/pods/a?gracePeriodSeconds=0`, { method: 'DELETE' });
    const deployDelete = await getJson(`${server.url}/apis/apps/v1/namespaces/shop/deployments/web`, { method: 'DELETE', body: JSON.stringify({ propagationPolicy: 'Background' }) });

    expect(podDelete.body).toMatchObject({ kind: 'Pod', metadata: { name: 'a', deletionGracePeriodSeconds: 0 } });
    expect(server.store.get('pods', 'shop', 'a')).toBeUndefined();
    expect(deployDelete.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments' } });
  });

  it('requires the bearer token when one is configured', async () => {
    const guarded = await startFakeApiServer({ token: 'secret' });
    try {
      const without = await getJson(`${guarded.url}/api/v1/pods`);
      const withToken = await getJson(`${guarded.url}/api/v1/pods`, { headers: { authorization: 'Bearer secret' } });

      expect(without.body).toMatchObject({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
      expect(withToken.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  describe('pods/log', () => {
    const logUrl = (name: string, q = ''): string => `${server.url}/api/v1/namespaces/shop/pods/${name}/log${q}`;

    beforeEach(() => {
      server.store.create(
        pod('web', {
          nodeName: 'n1',
          containers: ['app', 'sidecar'],
          status: {
            phase: 'Running',
            containerStatuses: [
              { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2026-11-20T11:59:00Z' } } },
              running('sidecar'),
            ],
          },
        }),
      );
      server.store.setLogs('shop', 'web', 'app', { previous: ['line 1', 'line 2', 'panic: boom'], current: [] });
      server.store.setLogs('shop', 'web', 'sidecar', { current: ['s1', 's2', 's3'] });
    });

    it('serves the chosen container with tailLines and limitBytes', async () => {
      const tail = await fetch(logUrl('web', '?container=sidecar&tailLines=2'));
      const limited = await fetch(logUrl('web', '?container=sidecar&limitBytes=4'));

      expect(tail.headers.get('content-type')).toBe('text/plain');
      expect(await tail.text()).toBe('s2\ns3\n');
      expect(await limited.text()).toBe('s1\ns');
    });

    it('serves the last terminated instance for --previous and for a restarting container', async () => {
      const previous = await fetch(logUrl('web', '?container=app&previous=true&tailLines=1'));
      const current = await fetch(logUrl('web', '?container=app'));

      expect(await previous.text()).toBe('panic: boom\n');
      expect(await current.text()).toBe('line 1\nline 2\npanic: boom\n');
    });

    it('answers the apiserver and kubelet 400s for a missing container name and a missing previous instance', async () => {
      const noContainer = await getJson(logUrl('web'));
      const noPrevious = await getJson(logUrl('web', '?container=sidecar&previous=true'));
      const badContainer = await getJson(logUrl('web', '?container=nope'));

      expect(noContainer.body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'a container name must be specified for pod web, choose one of: [app sidecar]' });
      expect(noPrevious.body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'previous terminated container "sidecar" in pod "web" not found' });
      expect(badContainer.body).toMatchObject({ code: 400, message: 'container nope is not valid for pod web' });
    });

    it('answers a waiting container and an unscheduled pod as the kubelet and apiserver do', async () => {
      server.store.create(pod('pulling', { nodeName: 'n1', status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } }));
      server.store.create(pod('pending'));

      const waiting = await getJson(logUrl('pulling'));
      const unscheduled = await fetch(logUrl('pending'));

      expect(waiting.body).toMatchObject({ code: 400, message: 'container "app" in pod "pulling" is waiting to start: trying and failing to pull image' });
      expect(unscheduled.status).toBe(200);
      expect(await unscheduled.text()).toBe('');
    });
  });
});

describe('watch over HTTP', () => {
  let server: FakeApiServer;

  beforeEach(async () => {
    server = await startFakeApiServer({ bookmarkIntervalMs: 50 });
    server.store.ensureNamespace('shop');
  });
  afterEach(async () => {
    await server.close();
  });

  it('streams ADDED for existing objects at resourceVersion 0, then changes, as chunked JSON lines', async () => {
    server.store.create(pod('a'));

    const w = await openWatch(`${server.url}/api/v1/namespaces/shop/pods?watch=1&resourceVersion=0`);
    await until(() => w.events.length === 1);
    server.store.patch('pods', 'shop', 'a', 'merge', { metadata: { labels: { x: 'y' } } });
    server.store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 0 });
    await until(() => w.events.length === 4);
    w.close();

    expect(w.status).toBe(200);
    expect(w.contentType).toBe('application/json');
    // A delete with grace 0 first records deletionTimestamp (MODIFIED), then removes (DELETED), as the registry does.
    expect(w.events.map((e) => [e.type, e.object.kind, e.object.metadata?.name])).toEqual([
      ['ADDED', 'Pod', 'a'],
      ['MODIFIED', 'Pod', 'a'],
      ['MODIFIED', 'Pod', 'a'],
      ['DELETED', 'Pod', 'a'],
    ]);
    expect(w.events[2]?.object.metadata).toMatchObject({ deletionGracePeriodSeconds: 0 });
  });

  it('resumes after a resourceVersion with only the later changes', async () => {
    server.store.create(pod('a'));
    const rv = server.store.resourceVersion;
    server.store.create(pod('b'));

    const w = await openWatch(`${server.url}/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}`);
    await until(() => w.events.length === 1);
    w.close();

    expect(w.events.map((e) => [e.type, e.object.metadata?.name])).toEqual([['ADDED', 'b']]);
  });

  it('answers a compacted resourceVersion with one 410 ERROR event and ends the stream', async () => {
    server.store.create(pod('a'));
    const rv = server.store.resourceVersion;
    server.store.create(pod('b'));
    server.store.compact();

    const w = await openWatch(`${server.url}/api/v1/pods?watch=true&resourceVersion=${rv}`);
    const how = await w.ended;

    expect(how).toBe('ended');
    expect(w.events).toEqual([
      { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (${server.store.resourceVersion})`, reason: 'Expired', code: 410 } },
    ]);
  });

  it('sends BOOKMARK events carrying only kind, apiVersion and resourceVersion when allowed', async () => {
    const w = await openWatch(`${server.url}/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${server.store.resourceVersion}&allowWatchBookmarks=true`);
    await until(() => w.events.length >= 2);
    w.close();

    expect(w.events[0]).toEqual({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: server.store.resourceVersion } } });
  });

  it('ends the stream after timeoutSeconds', async () => {
    const started = Date.now();

    const w = await openWatch(`${server.url}/api/v1/pods?watch=true&timeoutSeconds=1`);
    await w.ended;

    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('turns objects leaving or entering the selectors into DELETED and ADDED', async () => {
    server.store.create(pod('a', { labels: { app: 'web' }, nodeName: 'n1' }));
    const w = await openWatch(`${server.url}/api/v1/pods?watch=true&labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1`);
    await until(() => w.events.length === 1);

    server.store.patch('pods', 'shop', 'a', 'application/merge-patch+json', { metadata: { labels: { app: 'db' } } });
    server.store.patch('pods', 'shop', 'a', 'application/merge-patch+json', { metadata: { labels: { app: 'web' } } });
    server.store.create(pod('b', { labels: { app: 'web' }, nodeName: 'n2' }));
    server.store.patch('pods', 'shop', 'a', 'application/merge-patch+json', { metadata: { annotations: { z: '1' } } });
    await until(() => w.events.length === 4);
    w.close();

    expect(w.events.map((e) => `${e.type} ${String(e.object.metadata?.name)}`)).toEqual(['ADDED a', 'DELETED a', 'ADDED a', 'MODIFIED a']);
  });
});

describe('with @kubernetes/client-node over HTTPS', () => {
  let server: FakeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    server = await startFakeApiServer({ tls: true });
    server.store.ensureNamespace('shop');
    ({ kc, core } = clientFor(server));
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists and reads pods, with dates parsed by the client', async () => {
    server.store.create(pod('read-me', { nodeName: 'n1' }));

    const list = await core.listNamespacedPod({ namespace: 'shop' });
    const one = await core.readNamespacedPod({ name: 'read-me', namespace: 'shop' });

    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(list.metadata?.resourceVersion).toBe(server.store.resourceVersion);
    expect(list.items.map((p) => p.metadata?.name)).toContain('read-me');
    expect(one.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(one.spec?.nodeName).toBe('n1');
  });

  it('patches with a JSON Patch whose test op guards the uid', async () => {
    const created = server.store.create(pod('guarded', { finalizers: ['example.com/block'] }));

    const patched = await core.patchNamespacedPod(
      { name: 'guarded', namespace: 'shop', body: [{ op: 'test', path: '/metadata/uid', value: created.metadata.uid }, { op: 'remove', path: '/metadata/finalizers' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const refused = await core
      .patchNamespacedPod({ name: 'guarded', namespace: 'shop', body: [{ op: 'test', path: '/metadata/uid', value: 'other' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch))
      .catch((err: unknown) => err);

    expect(patched.metadata?.finalizers).toBeUndefined();
    expect(refused).toBeInstanceOf(ApiException);
    expect((refused as ApiException<unknown>).code).toBe(422);
  });

  it('refuses a delete whose uid precondition does not match with 409 Conflict', async () => {
    server.store.create(pod('replaced'));

    const err = await core.deleteNamespacedPod({ name: 'replaced', namespace: 'shop', body: { preconditions: { uid: 'uid-of-the-old-pod' } } }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(409);
    expect(JSON.parse(String((err as ApiException<string>).body))).toMatchObject({ reason: 'Conflict', message: expect.stringContaining('the UID in the precondition (uid-of-the-old-pod) does not match') });
    expect(server.store.get('pods', 'shop', 'replaced')).toBeDefined();
  });

  it('keeps a force-deleted pod with a finalizer Terminating until the finalizer is removed', async () => {
    server.store.create(pod('stuck', { nodeName: 'n1', finalizers: ['example.com/block'] }));

    const deleted = await core.deleteNamespacedPod({ name: 'stuck', namespace: 'shop', body: { gracePeriodSeconds: 0 } });
    const terminating = await core.readNamespacedPod({ name: 'stuck', namespace: 'shop' });
    await core.patchNamespacedPod({ name: 'stuck', namespace: 'shop', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const gone = await core.readNamespacedPod({ name: 'stuck', namespace: 'shop' }).catch((e: unknown) => e);

    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(terminating.metadata?.finalizers).toEqual(['example.com/block']);
    expect((gone as ApiException<unknown>).code).toBe(404);
  });

  it('patches pods/status without touching spec, and refuses a PUT with a stale resourceVersion', async () => {
    server.store.create(pod('status-me', { nodeName: 'n1', status: { phase: 'Pending' } }));
    const before = await core.readNamespacedPod({ name: 'status-me', namespace: 'shop' });

    const patched = await core.patchNamespacedPodStatus(
      { name: 'status-me', namespace: 'shop', body: { status: { phase: 'Running' }, spec: { nodeName: 'elsewhere' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const stale = await core.replaceNamespacedPod({ name: 'status-me', namespace: 'shop', body: before }).catch((e: unknown) => e);

    expect(patched.status?.phase).toBe('Running');
    expect(patched.spec?.nodeName).toBe('n1');
    expect((stale as ApiException<string>).code).toBe(409);
    expect(JSON.parse(String((stale as ApiException<string>).body))).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "status-me": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('delivers ADDED, MODIFIED and DELETED to a Watch', async () => {
    const events: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch('/api/v1/namespaces/shop/pods', { resourceVersion: server.store.resourceVersion, labelSelector: 'watched=yes' }, (type, obj: V1Pod) => {
      events.push(`${type} ${String(obj.metadata?.name)}`);
    }, () => undefined);

    server.store.create(pod('w', { labels: { watched: 'yes' } }));
    server.store.patch('pods', 'shop', 'w', 'application/merge-patch+json', { metadata: { annotations: { a: 'b' } } });
    server.store.delete('pods', 'shop', 'w');
    await until(() => events.length === 4);
    controller.abort();

    expect(events).toEqual(['ADDED w', 'MODIFIED w', 'MODIFIED w', 'DELETED w']);
  });

  it('feeds an informer, which relists after a 410 on reconnect', async () => {
    server.store.ensureNamespace('inf');
    server.store.create(pod('first', { namespace: 'inf' }));
    const informer = makeInformer(kc, '/api/v1/namespaces/inf/pods', () => core.listNamespacedPod({ namespace: 'inf' }));
    const seen: string[] = [];
    informer.on('add', (p) => seen.push(`add ${String(p.metadata?.name)}`));
    informer.on('update', (p) => seen.push(`update ${String(p.metadata?.name)}`));
    informer.on('delete', (p) => seen.push(`delete ${String(p.metadata?.name)}`));
    const listsBefore = server.countRequests({ verb: 'list', resource: 'pods', namespace: 'inf' });
    await informer.start();
    await until(() => server.activeWatches() > 0 && seen.length === 1, 3000, 'informer watch');

    server.store.patch('pods', 'inf', 'first', 'application/merge-patch+json', { metadata: { labels: { v: '2' } } });
    await until(() => seen.length === 2);
    server.faults.stallWatches(true);
    server.store.create(pod('missed', { namespace: 'inf' }));
    server.store.delete('pods', 'inf', 'first');
    server.store.compact();
    server.faults.stallWatches(false);
    server.faults.dropAllWatches();
    await until(() => seen.length === 4, 5000, 'relist');
    await informer.stop();

    expect(seen).toEqual(['add first', 'update first', 'delete first', 'add missed']);
    expect(server.countRequests({ verb: 'list', resource: 'pods', namespace: 'inf' }) - listsBefore).toBe(2);
    expect(server.requests.some((r) => r.verb === 'watch' && r.namespace === 'inf' && r.status === 200)).toBe(true);
  });
});

describe('fault hooks', () => {
  let server: FakeApiServer;

  beforeEach(async () => {
    server = await startFakeApiServer({ user: 'system:serviceaccount:podwhy:podwhy-agent' });
    server.store.ensureNamespace('shop');
  });
  afterEach(async () => {
    await server.close();
  });

  it('dropAllWatches ends streams cleanly by default and resets them with abrupt', async () => {
    const clean = await openWatch(`${server.url}/api/v1/pods?watch=true`);
    await until(() => server.activeWatches() === 1);
    const cleanCount = server.faults.dropAllWatches();
    const abrupt = await openWatch(`${server.url}/api/v1/pods?watch=true`);
    await until(() => server.activeWatches() === 1);
    server.faults.dropAllWatches({ abrupt: true });

    expect(cleanCount).toBe(1);
    expect(await clean.ended).toBe('ended');
    expect(await abrupt.ended).toBe('error');
    expect(server.activeWatches()).toBe(0);
  });

  it('stallWatches keeps connections open and silent; silenced ones stay silent unless resumed', async () => {
    const old = await openWatch(`${server.url}/api/v1/pods?watch=true&allowWatchBookmarks=true`);
    await until(() => server.activeWatches() === 1);

    server.faults.stallWatches(true);
    const duringStall = await openWatch(`${server.url}/api/v1/pods?watch=true`);
    server.store.create(pod('a'));
    await sleep(100);
    const silentWhileStalled = old.events.length + duringStall.events.length;
    server.faults.stallWatches(false);
    const fresh = await openWatch(`${server.url}/api/v1/pods?watch=true&resourceVersion=${server.store.resourceVersion}`);
    server.store.create(pod('b'));
    await until(() => fresh.events.length === 1);
    const oldAfterStall = old.events.length;
    server.faults.stallWatches(false, { resume: true });
    await until(() => old.events.length === 2);
    for (const w of [old, duringStall, fresh]) w.close();

    expect(silentWhileStalled).toBe(0);
    expect(oldAfterStall).toBe(0);
    expect(fresh.events.map((e) => e.object.metadata?.name)).toEqual(['b']);
    expect(old.events.map((e) => `${e.type} ${String(e.object.metadata?.name)}`)).toEqual(['ADDED a', 'ADDED b']);
  });

  it('failNext(403) answers the RBAC denial for the request', async () => {
    server.faults.failNext(403, { match: (r) => r.verb === 'list' });

    const denied = await getJson(`${server.url}/api/v1/namespaces/shop/pods`);
    const allowed = await getJson(`${server.url}/api/v1/namespaces/shop/pods`);

    expect(denied.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden',
      message: 'pods is forbidden: User "system:serviceaccount:podwhy:podwhy-agent" cannot list resource "pods" in API group "" in the namespace "shop"',
      details: { kind: 'pods' },
    });
    expect(allowed.status).toBe(200);
  });

  it('failNext(403) names the object and subresource for a log request', async () => {
    server.faults.failNext(403);

    const denied = await getJson(`${server.url}/api/v1/namespaces/shop/pods/web/log`);

    expect(denied.body['message']).toBe('pods "web" is forbidden: User "system:serviceaccount:podwhy:podwhy-agent" cannot get resource "pods/log" in API group "" in the namespace "shop"');
  });

  it('failNext(403) on a non-resource path answers the path denial', async () => {
    server.faults.failNext(403);

    const denied = await getJson(`${server.url}/apis`);

    expect(denied.body).toMatchObject({ code: 403, reason: 'Forbidden', message: 'forbidden: User "system:serviceaccount:podwhy:podwhy-agent" cannot get path "/apis"' });
  });

  it('failNext(429) answers the max-in-flight plain-text 429 with Retry-After, as many times as asked', async () => {
    server.faults.failNext(429, { times: 2, retryAfterSeconds: 7 });

    const first = await fetch(`${server.url}/api/v1/pods`);
    const second = await fetch(`${server.url}/api/v1/pods`);
    const third = await fetch(`${server.url}/api/v1/pods`);

    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.text()).toBe('Too many requests, please try again later.\n');
  });

  it('failNext(500) answers an InternalError Status and client-node surfaces the code', async () => {
    server.faults.failNext(500, { match: (r) => r.verb === 'get' });
    const { core } = clientFor(server);
    server.store.create(pod('a'));

    const err = await core.readNamespacedPod({ name: 'a', namespace: 'shop' }).catch((e: unknown) => e);

    expect((err as ApiException<string>).code).toBe(500);
    expect(JSON.parse(String((err as ApiException<string>).body))).toMatchObject({ reason: 'InternalError', message: 'Internal error occurred: etcdserver: request timed out' });
  });

  it('setLatency delays every request', async () => {
    server.faults.setLatency(150);
    const started = Date.now();

    await fetch(`${server.url}/api/v1/pods`);

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('goDown refuses connections and ends watches; comeUp listens again on the same port', async () => {
    const port = server.port;
    const w = await openWatch(`${server.url}/api/v1/pods?watch=true`);
    await until(() => server.activeWatches() === 1);

    await server.faults.goDown();
    const refused = await fetch(`${server.url}/api/v1/pods`).catch((e: unknown) => e);
    await server.faults.comeUp();
    const back = await fetch(`${server.url}/api/v1/pods`);

    expect(await w.ended).toBe('error');
    expect(((refused as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(server.port).toBe(port);
    expect(back.status).toBe(200);
  });

  it('logs every request with its verb, resource, namespace and status', async () => {
    server.store.create(pod('a'));

    await fetch(`${server.url}/api/v1/namespaces/shop/pods/a`);
    await fetch(`${server.url}/api/v1/namespaces/shop/pods/zz`);
    await fetch(`${server.url}/api/v1/namespaces/shop/pods/a`, { method: 'DELETE' });

    expect(server.requests.map(({ method, path, verb, resource, namespace, name, status }) => ({ method, path, verb, resource, namespace, name, status }))).toEqual([
      { method: 'GET', path: '/api/v1/namespaces/shop/pods/a', verb: 'get', resource: 'pods', namespace: 'shop', name: 'a', status: 200 },
      { method: 'GET', path: '/api/v1/namespaces/shop/pods/zz', verb: 'get', resource: 'pods', namespace: 'shop', name: 'zz', status: 404 },
      { method: 'DELETE', path: '/api/v1/namespaces/shop/pods/a', verb: 'delete', resource: 'pods', namespace: 'shop', name: 'a', status: 200 },
    ]);
    expect(server.countRequests({ verb: 'get', status: 404 })).toBe(1);
    expect(server.countRequests((r) => r.method === 'DELETE')).toBe(1);
  });
});
