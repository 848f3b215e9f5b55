import { describe, expect, it } from 'vitest';
import { StringPool } from '../../src/cluster/string-pool.ts';

describe('StringPool', () => {
  it('keeps at most its limit of strings, starting over when full, and skips long ones', () => {
    const pool = new StringPool(2);

    const values = ['Running', 'True', 'Running', 'x'.repeat(300)].map((v) => pool.intern(v));
    const sizeAtLimit = pool.size;
    pool.intern('shop');

    expect(values).toEqual(['Running', 'True', 'Running', 'x'.repeat(300)]);
    expect(sizeAtLimit).toBe(2);
    expect(pool.size).toBe(1);
  });
});
