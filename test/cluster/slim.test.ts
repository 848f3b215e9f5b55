import { describe, expect, it } from 'vitest';
import { normalizeObject } from '../../src/cluster/normalize.ts';
import type { ResourceName } from '../../src/cluster/resources.ts';
import { slimObject } from '../../src/cluster/slim.ts';
import { StringPool } from '../../src/cluster/string-pool.ts';
import { listFixtures } from '../support/fixtures.ts';
import { fixtureObjects, readyPod, RESOURCE_OF_KIND } from './helpers.ts';

describe('slimObject', () => {
  it('turns list Dates into the strings watch events carry and drops managedFields', () => {
    const fromList = {
      metadata: { name: 'a', namespace: 'shop', uid: 'u', creationTimestamp: new Date('2026-11-20T11:35:00Z'), managedFields: [{ manager: 'kubectl' }] },
      spec: { containers: [{ name: 'app' }] },
      status: { containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: new Date('2026-11-20T11:35:02Z') } } }] },
    };
    // A watch event carries the API server's RFC 3339 strings (second precision), and managedFields.
    const fromWatch = {
      metadata: { name: 'a', namespace: 'shop', uid: 'u', creationTimestamp: '2026-11-20T11:35:00Z', managedFields: [{ manager: 'kubectl' }] },
      spec: { containers: [{ name: 'app' }] },
      status: { containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-20T11:35:02Z' } } }] },
    };

    const listed = slimObject('pods', fromList);
    const watched = slimObject('pods', fromWatch);

    expect(listed).toEqual(watched);
    expect(listed?.metadata.creationTimestamp).toBe('2026-11-20T11:35:00Z');
    expect(listed).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    expect(listed?.metadata).not.toHaveProperty('managedFields');
  });

  it.each(listFixtures().map((f) => [f.path] as const))('%s: slims each object as normalizeObject would, with or without a string pool', (path) => {
    const objects = fixtureObjects(path).filter((o) => RESOURCE_OF_KIND.has(String(o.kind)));

    const slimmed = objects.map((o) => slimObject(RESOURCE_OF_KIND.get(String(o.kind)) as ResourceName, structuredClone(o)));
    const pooled = objects.map((o) => slimObject(RESOURCE_OF_KIND.get(String(o.kind)) as ResourceName, structuredClone(o), new StringPool()));
    const viaNormalize = objects.map((o) => slimObject(RESOURCE_OF_KIND.get(String(o.kind)) as ResourceName, normalizeObject(o)));

    expect(slimmed).toStrictEqual(viaNormalize);
    expect(pooled).toStrictEqual(viaNormalize);
  });

  it('drops managedFields, last-applied-configuration and undefined values, and turns class instances into plain objects', () => {
    class Meta {
      name = 'a';
      namespace = 'shop';
      uid: string | undefined = undefined;
      creationTimestamp = new Date('2026-11-20T11:35:00Z');
      annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}', team: 'web' };
      managedFields = [{ manager: 'kubectl' }];
    }
    const raw = { metadata: new Meta(), spec: { containers: [{ name: 'app', args: ['--x', undefined] }] } };

    const slim = slimObject('pods', raw, new StringPool());

    expect(slim).toStrictEqual({
      metadata: { name: 'a', namespace: 'shop', creationTimestamp: '2026-11-20T11:35:00Z', annotations: { team: 'web' } },
      spec: { containers: [{ name: 'app', args: ['--x', undefined] }] },
      kind: 'Pod',
      apiVersion: 'v1',
    });
    expect(Object.getPrototypeOf(slim?.metadata)).toBe(Object.prototype);
  });

  it('shares the parts that need no change with the decoded object, which keeps its own fields', () => {
    const raw = JSON.parse(JSON.stringify({ ...readyPod('shop', 'a', { uid: 'u' }), metadata: { name: 'a', namespace: 'shop', uid: 'u', managedFields: [{ manager: 'kubelet' }] } })) as Record<string, unknown>;

    const slim = slimObject('pods', raw, new StringPool());

    expect(slim?.spec).toBe(raw.spec);
    expect(slim?.status).toBe(raw.status);
    expect(slim?.metadata).not.toHaveProperty('managedFields');
    expect(raw.metadata).toEqual({ name: 'a', namespace: 'shop', uid: 'u', managedFields: [{ manager: 'kubelet' }] });
  });

  it('drops a node\'s image list and keeps its conditions', () => {
    const node = { metadata: { name: 'n1' }, status: { images: [{ names: ['x'], sizeBytes: 1 }], conditions: [{ type: 'Ready', status: 'True' }] } };

    const slim = slimObject('nodes', node);

    expect(slim?.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }] });
  });
});
