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
});
