/**
 * The cache's projection (src/cluster/slim.ts PROJECTION) against what reads it: every fixture is
 * diagnosed from the objects as a kubectl dump gives them and from the objects as the cache keeps
 * them, while a Proxy records each field the engine and the collector read. Every field read must
 * have the same value in both, so a detector that starts reading a field the projection drops
 * fails here (for the fixtures that reach that code), not in a cluster.
 */
import { describe, expect, it } from 'vitest';
import { logCandidate } from '../../src/cluster/collector.ts';
import type { ResourceName } from '../../src/cluster/resources.ts';
import { ShapeTable, unshape } from '../../src/cluster/shaped.ts';
import { slimObject } from '../../src/cluster/slim.ts';
import { buildSnapshots, classifyObjects, emptyObjectSet, type ObjectSet } from '../../src/cluster/snapshot.ts';
import { StringPool } from '../../src/cluster/string-pool.ts';
import type { KubeEvent, Node, PersistentVolumeClaim, Pod, ResourceQuota, Workload } from '../../src/contract/k8s.ts';
import type { Snapshot } from '../../src/contract/snapshot.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { FIXTURE_NOW, listFixtures } from '../support/fixtures.ts';
import { fixtureObjects, RESOURCE_OF_KIND } from './helpers.ts';

type Path = readonly (string | number)[];

/** `value` behind a Proxy that records the path of every property read below it. */
function traced<T>(value: T, path: Path, reads: Path[]): T {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const item: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || typeof item === 'function') return item;
      const step = Array.isArray(target) && /^\d+$/.test(key) ? Number(key) : key;
      const at = [...path, step];
      reads.push(at);
      return traced(item, at, reads);
    },
  }) as T;
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const step of path) value = typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[step] : undefined;
  return value;
}

/** The fixture's objects as the cache keeps them (slimmed, strings pooled, repeated parts shared, Pods shaped). */
function cachedObjectSet(path: string): ObjectSet {
  const pool = new StringPool();
  const shapes = new ShapeTable();
  const set = emptyObjectSet();
  for (const raw of fixtureObjects(path)) {
    const resource = RESOURCE_OF_KIND.get(String(raw.kind)) as ResourceName | undefined;
    const object = resource ? slimObject(resource, structuredClone(raw), pool) : null;
    if (!object) continue;
    switch (resource) {
      case 'pods':
        set.pods.push(unshape<Pod>(shapes.shape(object)));
        break;
      case 'events':
        set.events.push(object as unknown as KubeEvent);
        break;
      case 'nodes':
        set.nodes.push(object as unknown as Node);
        break;
      case 'resourcequotas':
        set.quotas.push(object as unknown as ResourceQuota);
        break;
      case 'persistentvolumeclaims':
        set.pvcs.push(object as unknown as PersistentVolumeClaim);
        break;
      case 'namespaces':
        break;
      default:
        set.workloads.push(object as unknown as Workload);
    }
  }
  return set;
}

/** What the engine and the collector read of a snapshot: diagnose, and the log candidate of a Pod. */
function read(snapshot: Snapshot): unknown {
  const diagnosis = diagnose(snapshot);
  const candidate = snapshot.kind === 'Pod' ? logCandidate(snapshot.pod, snapshot.observedAt, snapshot.node) : null;
  return { diagnosis, candidate };
}

describe('the cache projection (slim.ts) keeps every field the engine and the collector read', () => {
  it.each(listFixtures().map((f) => [f.path] as const))('%s', (path) => {
    const asDumped = buildSnapshots(classifyObjects(fixtureObjects(path)), FIXTURE_NOW);
    const asCached = buildSnapshots(cachedObjectSet(path), FIXTURE_NOW);
    expect(asCached.map((s) => s.kind)).toEqual(asDumped.map((s) => s.kind));

    asDumped.forEach((dumped, i) => {
      const cached = asCached[i] as Snapshot;
      const reads: Path[] = [];
      const fromDump = read(traced(dumped, [], reads));
      expect(read(cached)).toEqual(fromDump);
      const differing = reads
        .filter((p) => {
          const value = valueAt(dumped, p);
          return typeof value !== 'object' || value === null;
        })
        // A dump's `null` is conformed away (normalize.ts) where the cache keeps the API server's null: both read as absent.
        .filter((p) => (valueAt(cached, p) ?? undefined) !== (valueAt(dumped, p) ?? undefined))
        .map((p) => p.join('.'));
      expect(differing).toEqual([]);
    });
  });
});
