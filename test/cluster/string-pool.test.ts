import { describe, expect, it } from 'vitest';
import { StringPool } from '../../src/cluster/string-pool.ts';

describe('StringPool', () => {
  it('keeps at most its limit of strings, starting over when full, and skips long ones', () => {
    const pool = new StringPool(2);

    const values = ['ip-10-0-1-7.internal', 'ContainersReady', 'ip-10-0-1-7.internal', 'x'.repeat(300)].map((v) => pool.intern(v));
    const sizeAtLimit = pool.size;
    pool.intern('PodScheduled');

    expect(values).toEqual(['ip-10-0-1-7.internal', 'ContainersReady', 'ip-10-0-1-7.internal', 'x'.repeat(300)]);
    expect(sizeAtLimit).toBe(2);
    expect(pool.size).toBe(1);
  });

  it('leaves strings shorter than 10 characters to JSON.parse, which already gives one string for equal ones', () => {
    const pool = new StringPool();

    const values = ['Running', 'True', 'team-0007', 'Running'].map((v) => pool.intern(v));

    expect(values).toEqual(['Running', 'True', 'team-0007', 'Running']);
    expect(pool.size).toBe(0);
  });

  it('shares one frozen copy of equal parts, whether the last part kept or an older one, and never merges parts that differ', () => {
    const pool = new StringPool();
    const container = (image: string, env: unknown[] = [{ name: 'LOG_LEVEL', value: 'info' }]) => ({ name: 'app', image, env, ports: [{ containerPort: 8080 }] });

    const first = pool.share(container('shop:1.0'));
    const again = pool.share(container('shop:1.0'));
    const other = pool.share(container('shop:2.0'));
    const firstOnceMore = pool.share(container('shop:1.0'));
    const deeper = pool.share(container('shop:1.0', [{ name: 'LOG_LEVEL', value: 'debug' }]));
    const reordered = pool.share({ image: 'shop:1.0', name: 'app', env: [{ name: 'LOG_LEVEL', value: 'info' }], ports: [{ containerPort: 8080 }] });
    const fewerKeys = pool.share({ name: 'app', image: 'shop:1.0', env: [{ name: 'LOG_LEVEL', value: 'info' }] });
    const empty = pool.share({ at: {} });
    // A Date has no keys of its own, as {} has none, but its JSON is a timestamp.
    const withDate = pool.share({ at: new Date(0) });

    expect(Object.isFrozen(first) && Object.isFrozen(first.env[0])).toBe(true);
    expect(again).toBe(first);
    expect(firstOnceMore).toBe(first);
    expect(other).not.toBe(first);
    expect(other.image).toBe('shop:2.0');
    expect(deeper).not.toBe(first);
    expect(deeper.env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    expect(Object.keys(reordered)).toEqual(['image', 'name', 'env', 'ports']);
    expect(fewerKeys).not.toHaveProperty('ports');
    expect(withDate).not.toBe(empty);
    expect(JSON.stringify(withDate)).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(pool.sharedSize).toBe(7);
  });
});
