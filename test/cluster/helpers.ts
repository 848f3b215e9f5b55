/** Shared by the test/cluster and test/cli/why tests: fixture seeding and polling. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import { RESOURCES, type ResourceName } from '../../src/cluster/resources.ts';
import type { KubeObject, ObjectStore } from '../../src/sim/store.ts';
import { FIXTURE_ROOT } from '../support/fixtures.ts';

/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 5_000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The objects of a fixture under test/fixtures/k8s (kubectl YAML), as the store takes them. */
export function fixtureObjects(path: string): KubeObject[] {
  return parseKubectlDump(readFileSync(join(FIXTURE_ROOT, path), 'utf8')) as unknown as KubeObject[];
}

/** The resource type of each kind podwhy caches (`Pod` → `pods`). */
export const RESOURCE_OF_KIND = new Map<string, ResourceName>(Object.entries(RESOURCES).map(([resource, info]) => [info.kind, resource as ResourceName]));

/** Creates the fixture's objects (and their namespaces) in the fake API server's store. */
export function seedFixture(store: ObjectStore, path: string): KubeObject[] {
  const objects = fixtureObjects(path);
  for (const object of objects) {
    if (object.metadata.namespace) store.ensureNamespace(object.metadata.namespace);
    if (object.kind === 'Node' && store.get('nodes', undefined, object.metadata.name ?? '')) continue;
    store.create(object);
  }
  return objects;
}

/** A Running, Ready Pod (no upstream strings needed: phase and conditions only). */
export function readyPod(namespace: string, name: string, extra: { uid?: string; creationTimestamp?: string; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: extra.uid, creationTimestamp: extra.creationTimestamp ?? '2026-11-20T11:00:00Z', labels: extra.labels },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx:1.27' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-20T11:00:10Z' }],
      containerStatuses: [{ name: 'app', ready: true, started: true, restartCount: 0, state: { running: { startedAt: '2026-11-20T11:00:05Z' } } }],
    },
  };
}
