import { describe, expect, it } from 'vitest';
import { normalizeObject } from '../../src/cluster/normalize.ts';
import type { ResourceName } from '../../src/cluster/resources.ts';
import { slimObject } from '../../src/cluster/slim.ts';
import { StringPool } from '../../src/cluster/string-pool.ts';
import { listFixtures } from '../support/fixtures.ts';
import type { Pod } from '../../src/contract/k8s.ts';
import type { KubeObject } from '../../src/sim/store.ts';
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

  it('keeps one frozen copy of what Pods of a template repeat, and each Pod\'s own values', () => {
    const pool = new StringPool();
    const podOf = (name: string, uid: string, mount: string): Record<string, unknown> => {
      const pod = readyPod('shop', name, { uid, labels: { app: 'web' } }) as KubeObject & { spec: object; status: object };
      const container = { name: 'app', image: 'nginx:1.27', env: [{ name: 'LOG_LEVEL', value: 'info' }], readinessProbe: { httpGet: { path: '/ready', port: 8080 } } };
      return JSON.parse(JSON.stringify({
        ...pod,
        metadata: { ...pod.metadata, generateName: 'web-7d9f8b6c5-', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8b6c5', uid: 'rs', controller: true }] },
        spec: { ...pod.spec, tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }], volumes: [{ name: mount, projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }], containers: [{ ...container, volumeMounts: [{ name: mount, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] },
        status: { ...pod.status, hostIPs: [{ ip: '10.0.0.4' }], podIPs: [{ ip: '10.244.0.9' }], conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-20T11:00:10Z' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, imageID: 'docker.io/library/nginx@sha256:0f', containerID: 'containerd://1a', state: { running: { startedAt: '2026-11-20T11:00:05Z' } }, lastState: {} }] },
      })) as Record<string, unknown>;
    };

    const a = slimObject('pods', podOf('web-1', 'u1', 'kube-api-access-b5n6m'), pool) as unknown as Pod;
    const b = slimObject('pods', podOf('web-2', 'u2', 'kube-api-access-x2x9k'), pool) as unknown as Pod;

    expect(b.metadata.labels).toBe(a.metadata.labels);
    expect(b.metadata.ownerReferences).toBe(a.metadata.ownerReferences);
    expect(b.spec.tolerations).toBe(a.spec.tolerations);
    expect(b.spec.containers[0]?.env).toBe(a.spec.containers[0]?.env);
    expect(b.spec.containers[0]?.readinessProbe).toBe(a.spec.containers[0]?.readinessProbe);
    expect(b.spec.volumes?.[0]?.projected).toBe(a.spec.volumes?.[0]?.projected);
    expect(Object.isFrozen(a.spec.containers[0]?.env)).toBe(true);
    expect(b.spec.containers[0]?.volumeMounts?.[0]?.name).toBe('kube-api-access-x2x9k');
    expect(b.spec.volumes?.[0]?.name).toBe('kube-api-access-x2x9k');
    expect(b.metadata).toEqual({ name: 'web-2', namespace: 'shop', uid: 'u2', creationTimestamp: '2026-11-20T11:00:00Z', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8b6c5', uid: 'rs', controller: true }] });
    expect(b.status).toEqual({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-20T11:00:10Z' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-20T11:00:05Z' } }, lastState: {} }],
    });
  });

  it('drops a node\'s image list and keeps its conditions', () => {
    const node = { metadata: { name: 'n1' }, status: { images: [{ names: ['x'], sizeBytes: 1 }], conditions: [{ type: 'Ready', status: 'True' }] } };

    const slim = slimObject('nodes', node);

    expect(slim?.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }] });
  });
});
