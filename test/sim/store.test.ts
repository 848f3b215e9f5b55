import { describe, expect, it } from 'vitest';
import { PATCH_TYPES } from '../../src/sim/patch.ts';
import { SimApiError } from '../../src/sim/status.ts';
import { ObjectStore, type KubeObject, type StoreChange } from '../../src/sim/store.ts';

const T0 = Date.parse('2026-11-20T12:00:00Z');

function clockedStore(options: { historyLimit?: number } = {}): { store: ObjectStore; clock: { ms: number } } {
  const clock = { ms: T0 };
  return { store: new ObjectStore({ now: () => new Date(clock.ms), ...options }), clock };
}

function pod(name: string, extra: { namespace?: string; nodeName?: string; finalizers?: string[]; labels?: Record<string, string>; phase?: string; ownerUid?: string } = {}): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace: extra.namespace ?? 'shop' };
  if (extra.finalizers) metadata.finalizers = extra.finalizers;
  if (extra.labels) metadata.labels = extra.labels;
  if (extra.ownerUid) metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: extra.ownerUid, controller: true }];
  const spec: Record<string, unknown> = { containers: [{ name: 'app', image: 'nginx:1.27' }] };
  if (extra.nodeName) spec['nodeName'] = extra.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status: { phase: extra.phase ?? 'Running' } };
}

function caught(fn: () => unknown): SimApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimApiError) return err;
    throw err;
  }
  throw new Error('expected a SimApiError');
}

function record(store: ObjectStore): StoreChange[] {
  const changes: StoreChange[] = [];
  store.subscribe((c) => changes.push(c));
  return changes;
}

describe('ObjectStore create/get/list', () => {
  it('assigns uid, creationTimestamp from the clock and a global resourceVersion on create', () => {
    const { store } = clockedStore();

    const a = store.create(pod('a'));
    const b = store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });

    expect(a.metadata).toMatchObject({ name: 'a', namespace: 'shop', creationTimestamp: '2026-11-20T12:00:00Z', resourceVersion: '1001' });
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.metadata.resourceVersion).toBe('1002');
    expect(store.resourceVersion).toBe('1002');
  });

  it('keeps a given uid and creationTimestamp on a direct create, and resets them in apiMode', () => {
    const { store } = clockedStore();
    const input = pod('a');
    input.metadata.uid = 'fixed-uid';
    input.metadata.creationTimestamp = '2026-11-01T00:00:00Z';

    const direct = store.create(input);
    const viaApi = store.create({ ...input, metadata: { ...input.metadata, name: 'b' } }, { apiMode: true });

    expect(direct.metadata).toMatchObject({ uid: 'fixed-uid', creationTimestamp: '2026-11-01T00:00:00Z' });
    expect(viaApi.metadata.uid).not.toBe('fixed-uid');
    expect(viaApi.metadata.creationTimestamp).toBe('2026-11-20T12:00:00Z');
  });

  it('rejects a duplicate name with the apiserver AlreadyExists status', () => {
    const { store } = clockedStore();
    store.create(pod('a'));

    const err = caught(() => store.create(pod('a')));

    expect(err.status).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "a" already exists', details: { name: 'a', kind: 'pods' } });
  });

  it('generates a name from generateName', () => {
    const { store } = clockedStore();

    const created = store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'shop' } });

    expect(created.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('hands out deep-frozen snapshots', () => {
    const { store } = clockedStore();
    const created = store.create(pod('a'));

    expect(() => {
      (created.metadata as { name: string }).name = 'x';
    }).toThrow(TypeError);
    expect(Object.isFrozen(store.get('pods', 'shop', 'a')?.['spec'])).toBe(true);
  });

  it('lists sorted by namespace/name and filters by namespace, labels and supported fields', () => {
    const { store } = clockedStore();
    store.create(pod('b', { labels: { app: 'web', tier: 'fe' }, nodeName: 'n1' }));
    store.create(pod('a', { labels: { app: 'web' }, nodeName: 'n2' }));
    store.create(pod('c', { namespace: 'other', labels: { app: 'db' }, phase: 'Pending' }));

    const names = (opts: Parameters<ObjectStore['list']>[1]): string[] => store.list('pods', opts).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

    expect(names({})).toEqual(['other/c', 'shop/a', 'shop/b']);
    expect(names({ namespace: 'shop' })).toEqual(['shop/a', 'shop/b']);
    expect(names({ labelSelector: 'app=web,tier!=fe' })).toEqual(['shop/a']);
    expect(names({ labelSelector: 'app in (db, cache)' })).toEqual(['other/c']);
    expect(names({ labelSelector: '!tier' })).toEqual(['other/c', 'shop/a']);
    expect(names({ fieldSelector: 'spec.nodeName=n1' })).toEqual(['shop/b']);
    expect(names({ fieldSelector: 'status.phase!=Running' })).toEqual(['other/c']);
    expect(names({ fieldSelector: 'metadata.name=a,metadata.namespace=shop' })).toEqual(['shop/a']);
  });

  it('rejects a field label the resource does not support with the apiserver message', () => {
    const { store } = clockedStore();

    const err = caught(() => store.list('pods', { fieldSelector: 'spec.image=nginx' }));

    expect(err.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: spec.image' });
  });

  it('filters events by involvedObject fields', () => {
    const { store } = clockedStore();
    const event = (name: string, target: string, uid: string): KubeObject => ({
      apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: target, namespace: 'shop', uid }, reason: 'BackOff', type: 'Warning',
    });
    store.create(event('e1', 'web-1', 'u1'));
    store.create(event('e2', 'web-2', 'u2'));

    const { items } = store.list('events', { fieldSelector: 'involvedObject.name=web-1,involvedObject.uid=u1,involvedObject.kind=Pod' });

    expect(items.map((e) => e.metadata.name)).toEqual(['e1']);
  });
});

describe('ObjectStore update and patch', () => {
  it('rejects a stale resourceVersion with the optimistic-lock conflict', () => {
    const { store } = clockedStore();
    const created = store.create(pod('a'));
    const stale = structuredClone(created);
    store.patch('pods', 'shop', 'a', PATCH_TYPES.merge, { metadata: { labels: { x: '1' } } });

    const err = caught(() => store.update(stale));

    expect(err.status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('treats an update that changes nothing as a no-op without a new resourceVersion or event', () => {
    const { store } = clockedStore();
    const created = store.create(pod('a'));
    const changes = record(store);

    const same = store.update(structuredClone(created));

    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(changes).toEqual([]);
  });

  it('fails the whole JSON patch when a test op does not match (422 with the fixed apiserver message)', () => {
    const { store } = clockedStore();
    store.create(pod('a', { finalizers: ['x/y'] }));

    const err = caught(() =>
      store.patch('pods', 'shop', 'a', PATCH_TYPES.json, [
        { op: 'remove', path: '/metadata/finalizers/0' },
        { op: 'test', path: '/metadata/uid', value: 'not-the-uid' },
      ]),
    );

    expect(err.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 422, reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request', details: {},
    });
    expect(store.get('pods', 'shop', 'a')?.metadata.finalizers).toEqual(['x/y']);
  });

  it('applies a JSON patch whose test ops hold', () => {
    const { store } = clockedStore();
    const created = store.create(pod('a', { finalizers: ['x/y', 'x/z'] }));

    const patched = store.patch('pods', 'shop', 'a', PATCH_TYPES.json, [
      { op: 'test', path: '/metadata/uid', value: created.metadata.uid },
      { op: 'test', path: '/metadata/finalizers/0', value: 'x/y' },
      { op: 'remove', path: '/metadata/finalizers/0' },
    ]);

    expect(patched.metadata.finalizers).toEqual(['x/z']);
  });

  it('fails a JSON patch op on a path that does not exist with the same 422, and a patch that is not a list with 400', () => {
    const { store } = clockedStore();
    store.create(pod('a', { finalizers: ['x/y'] }));

    const removeMissing = caught(() => store.patch('pods', 'shop', 'a', PATCH_TYPES.json, [{ op: 'remove', path: '/metadata/finalizers/3' }]));
    const replaceMissing = caught(() => store.patch('pods', 'shop', 'a', PATCH_TYPES.json, [{ op: 'replace', path: '/metadata/labels/app', value: 'web' }]));
    const addUnderMissing = caught(() => store.patch('pods', 'shop', 'a', PATCH_TYPES.json, [{ op: 'add', path: '/metadata/nope/app', value: 'web' }]));
    const prototype = caught(() => store.patch('pods', 'shop', 'a', PATCH_TYPES.json, [{ op: 'add', path: '/metadata/__proto__/x', value: 'y' }]));
    const notAList = caught(() => store.patch('pods', 'shop', 'a', PATCH_TYPES.json, { op: 'remove', path: '/metadata/finalizers/0' }));

    expect([removeMissing, replaceMissing, addUnderMissing, prototype].map((err) => err.status.code)).toEqual([422, 422, 422, 422]);
    expect(removeMissing.status.message).toBe('the server rejected our request due to an error in our request');
    expect(notAList.status).toMatchObject({ code: 400, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' });
    expect(store.get('pods', 'shop', 'a')?.metadata.finalizers).toEqual(['x/y']);
  });

  it('keeps no reference to a JSON patch body: changing it afterwards leaves the stored object as patched', () => {
    const { store } = clockedStore();
    store.create(pod('a'));
    const finalizers = ['x/added'];
    const body = [{ op: 'add', path: '/metadata/finalizers', value: finalizers }];

    store.patch('pods', 'shop', 'a', PATCH_TYPES.json, body);
    finalizers.push('x/sneaked-in');

    expect(store.get('pods', 'shop', 'a')?.metadata.finalizers).toEqual(['x/added']);
  });

  it('replaces lists with a merge patch and merges finalizers as a set with a strategic merge patch', () => {
    const { store } = clockedStore();
    store.create(pod('a', { finalizers: ['x/a', 'x/b'] }));

    const merged = store.patch('pods', 'shop', 'a', 'merge', { metadata: { finalizers: ['x/c'] } });
    const smpAdded = store.patch('pods', 'shop', 'a', PATCH_TYPES.strategic, { metadata: { finalizers: ['x/d', 'x/c'] } });
    const smpRemoved = store.patch('pods', 'shop', 'a', PATCH_TYPES.strategic, { metadata: { '$deleteFromPrimitiveList/finalizers': ['x/c'] } });

    expect(merged.metadata.finalizers).toEqual(['x/c']);
    expect(smpAdded.metadata.finalizers).toEqual(['x/c', 'x/d']);
    expect(smpRemoved.metadata.finalizers).toEqual(['x/d']);
  });

  it('merges containers by name with a strategic merge patch', () => {
    const { store } = clockedStore();
    store.create(pod('a'));

    const patched = store.patch('pods', 'shop', 'a', PATCH_TYPES.strategic, { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } });

    expect(patched['spec']).toEqual({ containers: [{ name: 'app', image: 'nginx:1.28' }] });
  });

  it('keeps status out of main-resource patches in apiMode and spec out of status patches', () => {
    const { store } = clockedStore();
    store.create(pod('a'));

    const main = store.patch('pods', 'shop', 'a', PATCH_TYPES.merge, { status: { phase: 'Failed' }, metadata: { labels: { a: 'b' } } });
    const status = store.patch('pods', 'shop', 'a', PATCH_TYPES.merge, { status: { phase: 'Succeeded' }, spec: { nodeName: 'n9' } }, { subresource: 'status' });

    expect(main['status']).toEqual({ phase: 'Running' });
    expect(main.metadata.labels).toEqual({ a: 'b' });
    expect(status['status']).toEqual({ phase: 'Succeeded' });
    expect((status['spec'] as Record<string, unknown>)['nodeName']).toBeUndefined();
  });

  it('refuses a new finalizer on an object being deleted with the ValidateNoNewFinalizers message', () => {
    const { store } = clockedStore();
    store.create(pod('a', { finalizers: ['x/a'] }));
    store.delete('pods', 'shop', 'a');

    const err = caught(() => store.patch('pods', 'shop', 'a', PATCH_TYPES.merge, { metadata: { finalizers: ['x/a', 'x/new'] } }));

    expect(err.status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'Pod "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x/new"}',
    });
  });

  it('bumps metadata.generation of a workload only when its spec changes', () => {
    const { store } = clockedStore();
    store.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 1 } });

    const labelled = store.patch('deployments', 'shop', 'web', PATCH_TYPES.merge, { metadata: { labels: { a: 'b' } } });
    const scaled = store.patch('deployments', 'shop', 'web', PATCH_TYPES.merge, { spec: { replicas: 3 } });

    expect(labelled.metadata.generation).toBe(1);
    expect(scaled.metadata.generation).toBe(2);
  });
});

describe('ObjectStore deletion', () => {
  it('keeps a scheduled Pod Terminating for its grace period until the kubelet finalizes it', () => {
    const { store } = clockedStore();
    store.create(pod('a', { nodeName: 'n1' }));
    const changes = record(store);

    const first = store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 30 });
    const finalized = store.finalizeDeletion('pods', 'shop', 'a');

    expect(first.deleted).toBe(false);
    expect(first.object.metadata).toMatchObject({ deletionTimestamp: '2026-11-20T12:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(finalized.deleted).toBe(true);
    expect(store.get('pods', 'shop', 'a')).toBeUndefined();
    expect(changes.map((c) => c.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
  });

  it('uses spec.terminationGracePeriodSeconds and deletes an unscheduled or finished Pod at once', () => {
    const { store } = clockedStore();
    const withGrace = pod('a', { nodeName: 'n1' });
    (withGrace['spec'] as Record<string, unknown>)['terminationGracePeriodSeconds'] = 5;
    store.create(withGrace);
    store.create(pod('pending'));
    store.create(pod('done', { nodeName: 'n1', phase: 'Succeeded' }));

    const graceful = store.delete('pods', 'shop', 'a');
    const pending = store.delete('pods', 'shop', 'pending');
    const done = store.delete('pods', 'shop', 'done');

    expect(graceful.object.metadata.deletionGracePeriodSeconds).toBe(5);
    expect([pending.deleted, done.deleted]).toEqual([true, true]);
  });

  it('only lets a second delete shorten the grace period', () => {
    const { store } = clockedStore();
    store.create(pod('a', { nodeName: 'n1' }));
    store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 30 });

    const longer = store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 60 });
    const shorter = store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 10 });

    expect(longer.object.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(shorter.object.metadata).toMatchObject({ deletionGracePeriodSeconds: 10, deletionTimestamp: '2026-11-20T12:00:10Z' });
  });

  it('force-deletes with grace 0: MODIFIED then DELETED, the object returned carries the deletion resourceVersion', () => {
    const { store } = clockedStore();
    store.create(pod('a', { nodeName: 'n1' }));
    const changes = record(store);

    const result = store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 0 });

    expect(result.deleted).toBe(true);
    expect(changes.map((c) => [c.type, c.resourceVersion])).toEqual([['MODIFIED', 1002], ['DELETED', 1003]]);
    expect(result.object.metadata.resourceVersion).toBe('1003');
  });

  it('keeps an object with finalizers Terminating until a patch empties them, then removes it', () => {
    const { store } = clockedStore();
    store.create(pod('a', { nodeName: 'n1', finalizers: ['example.com/block'] }));

    const forced = store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 0 });
    const stillThere = store.get('pods', 'shop', 'a');
    store.patch('pods', 'shop', 'a', PATCH_TYPES.merge, { metadata: { finalizers: null } });

    expect(forced.deleted).toBe(false);
    expect(stillThere?.metadata).toMatchObject({ deletionGracePeriodSeconds: 0, finalizers: ['example.com/block'] });
    expect(store.get('pods', 'shop', 'a')).toBeUndefined();
  });

  it('does not remove a Pod whose grace period is still running when its finalizers go (the kubelet must confirm)', () => {
    const { store } = clockedStore();
    store.create(pod('a', { nodeName: 'lost-node', finalizers: ['example.com/block'] }));
    store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 30 });

    store.patch('pods', 'shop', 'a', PATCH_TYPES.merge, { metadata: { finalizers: null } });

    expect(store.get('pods', 'shop', 'a')?.metadata.deletionGracePeriodSeconds).toBe(30);
  });

  it('checks preconditions first with the BeforeDelete conflict messages', () => {
    const { store } = clockedStore();
    const created = store.create(pod('a'));

    const uidErr = caught(() => store.delete('pods', 'shop', 'a', { preconditions: { uid: 'old-uid' } }));
    const rvErr = caught(() => store.delete('pods', 'shop', 'a', { preconditions: { resourceVersion: '1' } }));

    expect(uidErr.status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on Pod "a": the UID in the precondition (old-uid) does not match the UID in record (${String(created.metadata.uid)}). The object might have been deleted and then recreated`,
      details: { name: 'a', kind: 'Pod' },
    });
    expect(rvErr.status.message).toBe(
      `Operation cannot be fulfilled on Pod "a": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${String(created.metadata.resourceVersion)}). The object might have been modified`,
    );
    expect(store.get('pods', 'shop', 'a')).toBeDefined();
  });

  it('answers 404 with the NotFound status for a missing object', () => {
    const { store } = clockedStore();

    const err = caught(() => store.delete('deployments', 'shop', 'nope'));

    expect(err.status).toMatchObject({ code: 404, reason: 'NotFound', message: 'deployments.apps "nope" not found', details: { name: 'nope', group: 'apps', kind: 'deployments' } });
  });

  it('garbage-collects dependents in the background and orphans them on request', () => {
    const { store } = clockedStore();
    const rs = store.create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'shop' }, spec: {} });
    const rs2 = store.create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs2', namespace: 'shop' }, spec: {} });
    store.create(pod('p1', { ownerUid: rs.metadata.uid }));
    store.create(pod('p2', { ownerUid: rs2.metadata.uid }));

    store.delete('replicasets', 'shop', 'rs');
    store.delete('replicasets', 'shop', 'rs2', { propagationPolicy: 'Orphan' });

    expect(store.get('pods', 'shop', 'p1')).toBeUndefined();
    expect(store.get('pods', 'shop', 'p2')?.metadata.ownerReferences).toBeUndefined();
  });

  it('holds a foreground deletion with the foregroundDeletion finalizer until dependents are gone', () => {
    const { store } = clockedStore();
    const rs = store.create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'shop' }, spec: {} });
    store.create(pod('p1', { ownerUid: rs.metadata.uid, nodeName: 'n1' }));

    const result = store.delete('replicasets', 'shop', 'rs', { propagationPolicy: 'Foreground' });
    const held = store.get('replicasets', 'shop', 'rs');
    store.finalizeDeletion('pods', 'shop', 'p1');

    expect(result.deleted).toBe(false);
    expect(held?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(store.get('replicasets', 'shop', 'rs')).toBeUndefined();
  });

  it('deletes a namespace once its content is gone', () => {
    const { store } = clockedStore();
    store.ensureNamespace('shop');
    store.create(pod('a', { nodeName: 'n1' }));

    const first = store.delete('namespaces', undefined, 'shop');
    const terminating = store.get('namespaces', undefined, 'shop');
    store.finalizeDeletion('pods', 'shop', 'a');

    expect(first.deleted).toBe(false);
    expect(terminating?.['status']).toEqual({ phase: 'Terminating' });
    expect(store.get('namespaces', undefined, 'shop')).toBeUndefined();
  });
});

describe('ObjectStore history, compaction and paging', () => {
  it('serves the changes after a resourceVersion and 410s one older than the history', () => {
    const { store } = clockedStore({ historyLimit: 2 });
    store.create(pod('a'));
    store.create(pod('b'));
    store.create(pod('c'));

    const recent = store.changesSince(1002).map((c) => c.object.metadata.name);
    const err = caught(() => store.changesSince(1000));

    expect(recent).toEqual(['c']);
    expect(err.status).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 1000 (1001)' });
  });

  it('compact() drops the history so any earlier resourceVersion is too old, the current one still fine', () => {
    const { store } = clockedStore();
    store.create(pod('a'));
    store.create(pod('b'));

    store.compact();

    expect(caught(() => store.changesSince(1001)).status.message).toBe('too old resource version: 1001 (1002)');
    expect(store.changesSince(1002)).toEqual([]);
  });

  it('pages a list with limit/continue from a consistent snapshot', () => {
    const { store } = clockedStore();
    for (const n of ['a', 'b', 'c']) store.create(pod(n));

    const first = store.listPage('pods', { limit: 2 });
    store.create(pod('aa'));
    store.delete('pods', 'shop', 'c');
    const second = store.listPage('pods', { limit: 2, continue: first.continue });

    expect(first.items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(first).toMatchObject({ resourceVersion: '1003', remainingItemCount: 1 });
    expect(second.items.map((p) => p.metadata.name)).toEqual(['c']);
    expect(second).toMatchObject({ resourceVersion: '1003' });
    expect(second.continue).toBeUndefined();
  });

  it('expires a continue token after compaction with the inconsistent-continue 410 and a fresh token', () => {
    const { store } = clockedStore();
    for (const n of ['a', 'b', 'c']) store.create(pod(n));
    const first = store.listPage('pods', { limit: 1 });
    store.create(pod('d'));
    store.compact();

    const err = caught(() => store.listPage('pods', { limit: 1, continue: first.continue }));
    const resumed = store.listPage('pods', { limit: 5, continue: err.status.metadata.continue });

    expect(err.status).toMatchObject({ code: 410, reason: 'Expired' });
    expect(err.status.message).toMatch(/^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token in this response/);
    expect(resumed.items.map((p) => p.metadata.name)).toEqual(['b', 'c', 'd']);
  });
});

describe('ObjectStore logs and clock', () => {
  it('stores current and previous container logs independently', () => {
    const { store } = clockedStore();

    store.setLogs('shop', 'a', 'app', { previous: ['boom'] });
    store.setLogs('shop', 'a', 'app', { current: ['starting'] });
    store.appendLogs('shop', 'a', 'app', ['ready']);

    expect(store.getLogs('shop', 'a', 'app')).toEqual({ current: ['starting', 'ready'], previous: ['boom'] });
  });

  it('takes timestamps from the injected clock', () => {
    const { store, clock } = clockedStore();
    store.create(pod('a', { nodeName: 'n1' }));
    clock.ms += 90_000;

    const result = store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 30 });

    expect(result.object.metadata.deletionTimestamp).toBe('2026-11-20T12:02:00Z');
  });
});
