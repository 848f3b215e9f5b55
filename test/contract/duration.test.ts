import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/contract/duration.ts';

describe('formatDuration', () => {
  it.each([
    [-5, '0s'],
    [0, '0s'],
    [89.4, '89s'],
    [90, '2m'],
    [5399, '90m'],
    [5400, '1.5h'],
    [5418, '1.5h'],
    [3 * 3600 + 1800, '3.5h'],
    [48 * 3600 - 1, '48h'],
    [48 * 3600, '2d'],
    [10 * 86400, '10d'],
  ])('writes %d seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});
