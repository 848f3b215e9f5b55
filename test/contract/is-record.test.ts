import { describe, expect, it } from 'vitest';
import { isRecord } from '../../src/contract/is-record.ts';

describe('isRecord', () => {
  it('accepts plain objects and refuses null, arrays and primitives', () => {
    expect([{}, { kind: 'Pod' }, Object.create(null)].map(isRecord)).toEqual([true, true, true]);
    expect([null, undefined, [], [{}], 'Pod', 0, true].map(isRecord)).toEqual([false, false, false, false, false, false, false]);
  });
});
