import { describe, expect, it } from 'vitest';
import { toPodwhyError } from '../../src/cluster/api-errors.ts';

describe('toPodwhyError', () => {
  it('leaves an unknown failure as api-error', () => {
    const error = toPodwhyError(new Error('boom'), { verb: 'list', resource: 'pods', server: 'https://x' });

    expect(error.code).toBe('api-error');
    expect(error.message).toBe('cannot list pods cluster-wide: boom');
  });
});
