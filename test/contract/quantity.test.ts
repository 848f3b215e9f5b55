import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/contract/quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['1.5', 1.5],
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['128974848', 128974848],
    ['129M', 129e6],
    ['1e3', 1000],
    ['100k', 100_000],
    [' 3500m ', 3.5],
  ])('reads %j as %d', (text, expected) => {
    expect(parseQuantity(text)).toBeCloseTo(expected, 9);
  });

  it('passes numbers through and returns null for what is not a quantity', () => {
    expect(parseQuantity(4)).toBe(4);
    expect(parseQuantity(undefined)).toBeNull();
    expect(parseQuantity(null)).toBeNull();
    expect(parseQuantity('lots')).toBeNull();
    expect(parseQuantity('1Gb')).toBeNull();
    expect(parseQuantity('')).toBeNull();
  });
});
