/**
 * Shaped storage (src/cluster/shaped.ts): what unshape rebuilds is the value that was shaped — the
 * same keys in the same order, the same leaves, the very same shared (frozen) parts — for every
 * fixture's objects and for hostile keys; Pods of one template share their shapes; a full table
 * starts over without breaking what it already stored.
 */
import { describe, expect, it } from 'vitest';
import { ShapeTable, tagOf, unshape } from '../../src/cluster/shaped.ts';
import { slimObject } from '../../src/cluster/slim.ts';
import { StringPool } from '../../src/cluster/string-pool.ts';
import { listFixtures } from '../support/fixtures.ts';
import { fixtureObjects, RESOURCE_OF_KIND } from './helpers.ts';

/** Every object and array inside `value` that is frozen (a shared part), by path. */
function frozenParts(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value !== 'object' || value === null) return out;
  if (Object.isFrozen(value)) {
    out.set(path, value);
    return out;
  }
  for (const [key, item] of Object.entries(value)) frozenParts(item, `${path}/${key}`, out);
  return out;
}

/** JSON with keys in their own order: equal strings mean equal values in equal key order. */
const exact = (value: unknown): string => JSON.stringify(value);

describe('shaped storage', () => {
  it.each(listFixtures().map((f) => [f.path] as const))('rebuilds every object of %s as it was, raw and slimmed', (path) => {
    const shapes = new ShapeTable();
    const pool = new StringPool();
    for (const raw of fixtureObjects(path)) {
      expect(exact(unshape(shapes.shape(raw)))).toBe(exact(raw));
      const resource = RESOURCE_OF_KIND.get(String(raw.kind));
      const slim = resource ? slimObject(resource, structuredClone(raw), pool) : null;
      if (!slim) continue;
      const stored = shapes.shape(slim, slim.metadata.resourceVersion);
      const rebuilt = unshape<typeof slim>(stored);
      expect(exact(rebuilt)).toBe(exact(slim));
      expect(rebuilt).not.toBe(slim);
      expect(tagOf(stored)).toBe(slim.metadata.resourceVersion);
      // The shared parts come back as the same objects, not copies.
      const before = frozenParts(slim);
      const after = frozenParts(rebuilt);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [at, part] of before) expect(after.get(at), at).toBe(part);
    }
  });

  it('keeps hostile and unusual keys and values', () => {
    const value = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":"x","2":"two","1":"one","":"empty","ключ":"значение","nested":{"a":[],"b":{},"c":[[],[{}]],"d":null,"e":false,"f":0,"g":-1.5,"h":"","status":"True","type":"Ready"},"list":[1,"1",true,null,{"status":"False"}]}',
    ) as Record<string, unknown>;
    const rebuilt = unshape<Record<string, unknown>>(new ShapeTable().shape(value));
    expect(exact(rebuilt)).toBe(exact(value));
    expect(Object.getPrototypeOf(rebuilt)).toBe(Object.prototype);
    expect(Object.keys(rebuilt)).toEqual(Object.keys(value));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(rebuilt, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('gives the Pods of one template one shape, whatever their names, uids, times and restart counts', () => {
    const shapes = new ShapeTable();
    const pool = new StringPool();
    const [template] = fixtureObjects('container-exit/immediate/exit-0-no-foreground.yaml').filter((o) => o.kind === 'Pod');
    expect(template).toBeDefined();
    const podOf = (i: number): unknown => {
      const raw = structuredClone(template) as unknown as { metadata: Record<string, unknown>; status?: { containerStatuses?: { restartCount?: number }[] } };
      raw.metadata.name = `api-7d9f-${i}`;
      raw.metadata.uid = `uid-${i}`;
      raw.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      for (const status of raw.status?.containerStatuses ?? []) status.restartCount = i;
      return slimObject('pods', raw, pool);
    };
    shapes.shape(podOf(0));
    const afterOne = shapes.size;
    const stored = Array.from({ length: 200 }, (_, i) => shapes.shape(podOf(i + 1)));
    expect(shapes.size).toBe(afterOne);
    expect(new Set(stored.map((s) => s[0])).size).toBe(1);
    expect((unshape<{ metadata: { name: string } }>(stored[41] as readonly unknown[])).metadata.name).toBe('api-7d9f-42');
  });

  it('starts over when full, and what it stored before still rebuilds', () => {
    const shapes = new ShapeTable(50);
    const values = Array.from({ length: 300 }, (_, i) => ({ [`key-${i}`]: { [`inner-${i}`]: [i, `v${i}`], status: i % 2 ? 'True' : 'False' } }));
    const stored = values.map((v) => shapes.shape(v));
    expect(shapes.size).toBeLessThanOrEqual(50 + 10);
    stored.forEach((s, i) => expect(exact(unshape(s))).toBe(exact(values[i])));
  });
});
